//! Fitbit `activityTypeId` (then `activityName`) → unified workout type (Open Wearables
//! `WorkoutType` codes). Anything unknown is `other`; never an error.
//!
//! The ids are Fitbit's public activity catalogue ids as seen in exercise logs (UNVERIFIED against
//! a stored catalogue). Open Wearables' table maps 2131 to running and 1071 to hiking; in Fitbit
//! logs 2131 is "Weights" and 1071 "Outdoor Bike", which is what this table follows.

/// The unified workout type code for a Fitbit exercise log.
pub fn unified_workout_type(
    activity_type_id: Option<i64>,
    activity_name: Option<&str>,
) -> &'static str {
    if let Some(found) = activity_type_id.and_then(by_id) {
        return found;
    }
    activity_name.and_then(by_name).unwrap_or("other")
}

fn by_id(id: i64) -> Option<&'static str> {
    Some(match id {
        90009 => "running",          // Run
        20049 => "treadmill",        // Treadmill
        90013 => "walking",          // Walk
        90012 => "hiking",           // Hike
        90001 => "cycling",          // Bike
        1071 => "cycling",           // Outdoor Bike
        55001 => "indoor_cycling",   // Spinning
        90024 => "swimming",         // Swim
        20047 => "elliptical",       // Elliptical
        2131 => "strength_training", // Weights
        52000 => "yoga",             // Yoga
        20057 => "cardio_training",  // Interval Workout
        3000 => "generic",           // Workout
        15000 => "sport",            // Sport
        _ => return None,
    })
}

fn by_name(name: &str) -> Option<&'static str> {
    let normalized = name.trim().to_ascii_lowercase().replace(['-', '_'], " ");
    Some(match normalized.as_str() {
        "run" | "running" | "jogging" => "running",
        "trail run" | "trail running" => "trail_running",
        "treadmill" | "treadmill run" => "treadmill",
        "walk" | "walking" => "walking",
        "hike" | "hiking" => "hiking",
        "bike" | "biking" | "outdoor bike" | "cycling" | "bicycling" => "cycling",
        "mountain bike" | "mountain biking" => "mountain_biking",
        "spinning" | "indoor bike" | "indoor cycling" | "stationary bike" => "indoor_cycling",
        "swim" | "swimming" => "swimming",
        "elliptical" => "elliptical",
        "weights" | "weight lifting" | "weightlifting" | "strength training" => "strength_training",
        "interval workout" | "circuit training" | "bootcamp" | "hiit" => "cardio_training",
        "yoga" => "yoga",
        "pilates" => "pilates",
        "stretching" => "stretching",
        "rowing" => "rowing",
        "rowing machine" => "rowing_machine",
        "stairclimber" | "stair climbing" => "stair_climbing",
        "tennis" => "tennis",
        "soccer" | "football" => "soccer",
        "basketball" => "basketball",
        "golf" => "golf",
        "dance" | "dancing" | "zumba" => "dance",
        "aerobic workout" | "aerobics" => "aerobics",
        "kickboxing" | "boxing" => "boxing",
        "martial arts" => "martial_arts",
        "skiing" => "alpine_skiing",
        "cross country skiing" => "cross_country_skiing",
        "snowboarding" => "snowboarding",
        "kayaking" => "kayaking",
        "workout" => "generic",
        "sport" => "sport",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_win_over_names_and_unknowns_are_other() {
        assert_eq!(unified_workout_type(Some(90009), Some("Walk")), "running");
        assert_eq!(unified_workout_type(Some(2131), None), "strength_training");
        assert_eq!(
            unified_workout_type(Some(1071), Some("Outdoor Bike")),
            "cycling"
        );
        assert_eq!(
            unified_workout_type(Some(999_999), Some("Pilates")),
            "pilates"
        );
        assert_eq!(
            unified_workout_type(Some(999_999), Some("Underwater hockey")),
            "other"
        );
        assert_eq!(unified_workout_type(None, None), "other");
        assert_eq!(
            unified_workout_type(None, Some(" Mountain-Bike ")),
            "mountain_biking"
        );
    }
}
