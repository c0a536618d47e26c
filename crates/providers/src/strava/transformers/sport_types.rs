//! Strava `sport_type` (or the legacy `type`; PascalCase such as `TrailRun`) → unified workout type
//! (Open Wearables `WorkoutType` codes). Anything unknown is `other`; never an error.

/// The unified workout type code for a Strava sport type (matched case-insensitively).
pub fn unified_workout_type(sport_type: &str) -> &'static str {
    match sport_type.trim().to_ascii_lowercase().as_str() {
        // Running and walking
        "run" => "running",
        "trailrun" => "trail_running",
        // Strava's virtual runs are treadmill runs (Zwift and similar).
        "virtualrun" => "treadmill",
        "walk" => "walking",
        "hike" => "hiking",
        "wheelchair" => "wheelchair",
        // Cycling
        "ride" | "gravelride" | "velomobile" | "handcycle" => "cycling",
        "mountainbikeride" => "mountain_biking",
        "ebikeride" | "emountainbikeride" => "e_biking",
        "virtualride" => "indoor_cycling",
        // Water
        "swim" => "swimming",
        "rowing" => "rowing",
        "virtualrow" => "rowing_machine",
        "kayaking" => "kayaking",
        "canoeing" => "canoeing",
        "standuppaddling" => "stand_up_paddleboarding",
        "surfing" => "surfing",
        "kitesurf" => "kitesurfing",
        "windsurf" => "windsurfing",
        "sail" => "sailing",
        // Winter
        "alpineski" => "alpine_skiing",
        "backcountryski" => "backcountry_skiing",
        "nordicski" | "rollerski" => "cross_country_skiing",
        "snowboard" => "snowboarding",
        "snowshoe" => "snowshoeing",
        "iceskate" => "ice_skating",
        // Gym and fitness
        "weighttraining" => "strength_training",
        "crossfit" | "highintensityintervaltraining" | "hiit" => "cardio_training",
        "elliptical" => "elliptical",
        "stairstepper" => "stair_climbing",
        "yoga" => "yoga",
        "pilates" => "pilates",
        "dance" => "dance",
        // Racket sports
        "badminton" => "badminton",
        "pickleball" => "pickleball",
        "racquetball" => "racquetball",
        "squash" => "squash",
        "tabletennis" => "table_tennis",
        "tennis" => "tennis",
        "padel" => "padel",
        // Team sports
        "soccer" => "soccer",
        "basketball" => "basketball",
        "volleyball" => "volleyball",
        "cricket" => "cricket",
        "rugby" => "rugby",
        "hockey" => "hockey",
        "football" | "americanfootball" => "american_football",
        // Outdoor and other
        "rockclimbing" => "rock_climbing",
        "golf" => "golf",
        "skateboard" => "skateboarding",
        "inlineskate" => "inline_skating",
        "martialarts" => "martial_arts",
        // `Workout` is Strava's catch-all.
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strava_sport_types_map_and_unknown_ones_are_other() {
        assert_eq!(unified_workout_type("Run"), "running");
        assert_eq!(unified_workout_type("TrailRun"), "trail_running");
        assert_eq!(unified_workout_type("VirtualRide"), "indoor_cycling");
        assert_eq!(unified_workout_type("MountainBikeRide"), "mountain_biking");
        assert_eq!(unified_workout_type("EMountainBikeRide"), "e_biking");
        assert_eq!(unified_workout_type("WeightTraining"), "strength_training");
        assert_eq!(unified_workout_type("NordicSki"), "cross_country_skiing");
        assert_eq!(
            unified_workout_type("StandUpPaddling"),
            "stand_up_paddleboarding"
        );
        assert_eq!(unified_workout_type("ride"), "cycling");
        assert_eq!(unified_workout_type("Workout"), "other");
        assert_eq!(unified_workout_type("UnderwaterHockey"), "other");
        assert_eq!(unified_workout_type(""), "other");
    }
}
