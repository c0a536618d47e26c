//! Withings workout `category` → unified workout type (open-wearables.md §3.2); unknown → `other`.

/// Withings' workout categories (developer docs, "Workout category" table).
const TABLE: &[(i64, &str)] = &[
    (1, "walking"),
    (2, "running"),
    (3, "hiking"),
    (4, "skating"),
    (5, "cycling"),
    (6, "cycling"),
    (7, "swimming"),
    (8, "surfing"),
    (9, "kitesurfing"),
    (10, "windsurfing"),
    (11, "surfing"),
    (12, "tennis"),
    (13, "table_tennis"),
    (14, "squash"),
    (15, "badminton"),
    (16, "strength_training"),
    (17, "gymnastics"),
    (18, "elliptical"),
    (19, "pilates"),
    (20, "basketball"),
    (21, "soccer"),
    (22, "american_football"),
    (23, "rugby"),
    (24, "volleyball"),
    (25, "water_polo"),
    (26, "horseback_riding"),
    (27, "golf"),
    (28, "yoga"),
    (29, "dance"),
    (30, "boxing"),
    (31, "fencing"),
    (32, "wrestling"),
    (33, "martial_arts"),
    (34, "alpine_skiing"),
    (35, "snowboarding"),
    (36, "other"),
    (128, "other"),
    (187, "rowing"),
    (188, "dance"),
    (191, "baseball"),
    (192, "handball"),
    (193, "hockey"),
    (194, "ice_hockey"),
    (195, "rock_climbing"),
    (196, "ice_skating"),
    (272, "multisport"),
    (306, "walking"),
    (307, "treadmill"),
    (308, "indoor_cycling"),
];

/// The unified workout type of a Withings workout category.
pub fn unified_workout_type(category: Option<i64>) -> &'static str {
    category
        .and_then(|c| TABLE.iter().find(|(id, _)| *id == c))
        .map_or("other", |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_map_to_unified_types_and_unknown_ones_to_other() {
        assert_eq!(unified_workout_type(Some(2)), "running");
        assert_eq!(unified_workout_type(Some(6)), "cycling");
        assert_eq!(unified_workout_type(Some(307)), "treadmill");
        assert_eq!(unified_workout_type(Some(308)), "indoor_cycling");
        assert_eq!(unified_workout_type(Some(9999)), "other");
        assert_eq!(unified_workout_type(None), "other");
    }
}
