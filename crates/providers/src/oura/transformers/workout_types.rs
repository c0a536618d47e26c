//! Oura `activity` (lower snake case) → unified workout type (Open Wearables `WorkoutType` codes).
//! Anything unknown is `other`; never an error.

/// The unified workout type code for an Oura activity name.
pub fn unified_workout_type(activity: Option<&str>) -> &'static str {
    let Some(activity) = activity else {
        return "other";
    };
    let normalized = activity
        .trim()
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    match normalized.as_str() {
        // Running and walking
        "running" => "running",
        "trail_running" => "trail_running",
        "treadmill" | "treadmill_running" => "treadmill",
        "walking" => "walking",
        "hiking" => "hiking",
        // Cycling
        "cycling" => "cycling",
        "mountain_biking" => "mountain_biking",
        "indoor_cycling" | "spinning" => "indoor_cycling",
        // Water
        "swimming" => "swimming",
        "rowing" => "rowing",
        "kayaking" => "kayaking",
        "canoeing" => "canoeing",
        "stand_up_paddling" | "stand_up_paddleboarding" => "stand_up_paddleboarding",
        "surfing" => "surfing",
        "sailing" => "sailing",
        "water_polo" => "water_polo",
        // Strength and gym
        "strength_training" | "weightlifting" => "strength_training",
        "functional_training" | "hiit" | "circuit_training" | "jump_rope" | "cross_training" => {
            "cardio_training"
        }
        "elliptical" => "elliptical",
        "stair_climbing" | "stair_exercise" => "stair_climbing",
        "rowing_machine" | "indoor_rowing" => "rowing_machine",
        // Mind and body
        "yoga" => "yoga",
        "pilates" => "pilates",
        "stretching" => "stretching",
        "meditation" | "breathwork" => "meditation",
        // Winter
        "skiing" | "alpine_skiing" | "downhill_skiing" => "alpine_skiing",
        "cross_country_skiing" => "cross_country_skiing",
        "snowboarding" => "snowboarding",
        "snowshoeing" => "snowshoeing",
        "ice_skating" => "ice_skating",
        // Team sports
        "soccer" => "soccer",
        "basketball" => "basketball",
        "volleyball" => "volleyball",
        "baseball" => "baseball",
        "rugby" => "rugby",
        "cricket" => "cricket",
        "handball" => "handball",
        "lacrosse" => "lacrosse",
        "american_football" => "american_football",
        "football" => "football",
        "ice_hockey" | "field_hockey" | "hockey" => "hockey",
        // Racket sports
        "tennis" => "tennis",
        "squash" => "squash",
        "badminton" => "badminton",
        "table_tennis" => "table_tennis",
        "pickleball" => "pickleball",
        "padel" => "padel",
        // Combat sports
        "boxing" | "kickboxing" => "boxing",
        "martial_arts" => "martial_arts",
        "wrestling" => "wrestling",
        // Climbing and outdoor
        "rock_climbing" | "climbing" => "rock_climbing",
        "bouldering" => "bouldering",
        "golf" => "golf",
        "inline_skating" => "inline_skating",
        "skateboarding" => "skateboarding",
        "horseback_riding" => "horseback_riding",
        // Dance and group fitness
        "dancing" | "dance" => "dance",
        "group_exercise" | "aerobics" => "group_exercise",
        "gymnastics" => "gymnastics",
        "triathlon" => "triathlon",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_activities_map_and_unknown_ones_are_other() {
        assert_eq!(unified_workout_type(Some("running")), "running");
        assert_eq!(unified_workout_type(Some("Cycling")), "cycling");
        assert_eq!(
            unified_workout_type(Some("weightlifting")),
            "strength_training"
        );
        assert_eq!(
            unified_workout_type(Some("stand_up_paddling")),
            "stand_up_paddleboarding"
        );
        assert_eq!(unified_workout_type(Some("ice_hockey")), "hockey");
        assert_eq!(
            unified_workout_type(Some("underwater_basket_weaving")),
            "other"
        );
        assert_eq!(unified_workout_type(Some("")), "other");
        assert_eq!(unified_workout_type(None), "other");
    }
}
