//! Garmin `activityType` (Activity API Appendix A, upper snake case) → unified workout type
//! (Open Wearables `WorkoutType` codes, same table as its `constants/workout_types/garmin.py`).
//! Anything unknown is `other`; never an error.

/// The unified workout type code for a Garmin activity type.
pub fn unified_workout_type(activity_type: Option<&str>) -> &'static str {
    let Some(raw) = activity_type else {
        return "other";
    };
    let normalized = raw.trim().to_ascii_uppercase().replace([' ', '-'], "_");
    let key = normalized.strip_suffix("_V2").unwrap_or(&normalized);
    match key {
        // Running
        "RUNNING"
        | "OBSTACLE_RUN"
        | "STREET_RUNNING"
        | "TRACK_RUNNING"
        | "ULTRA_RUN"
        | "VIRTUAL_RUN"
        | "WHEELCHAIR_PUSH_RUN" => "running",
        "INDOOR_RUNNING" | "TREADMILL_RUNNING" => "treadmill",
        "TRAIL_RUNNING" => "trail_running",
        // Cycling
        "CYCLING" | "BMX" | "GRAVEL_CYCLING" | "RECUMBENT_CYCLING" | "ROAD_BIKING"
        | "TRACK_CYCLING" | "HANDCYCLING" => "cycling",
        "CYCLOCROSS" => "cyclocross",
        "DOWNHILL_BIKING" | "ENDURO_MTB" | "MOUNTAIN_BIKING" => "mountain_biking",
        "E_BIKE_FITNESS" | "E_BIKE_MOUNTAIN" | "E_ENDURO_MTB" => "e_biking",
        "INDOOR_CYCLING" | "VIRTUAL_RIDE" | "INDOOR_HANDCYCLING" => "indoor_cycling",
        // Gym and fitness equipment
        "FITNESS_EQUIPMENT" => "fitness_equipment",
        "BOULDERING" | "INDOOR_CLIMBING" => "indoor_climbing",
        "ELLIPTICAL" => "elliptical",
        "INDOOR_CARDIO" | "HIIT" | "JUMP_ROPE" => "cardio_training",
        "INDOOR_ROWING" => "rowing_machine",
        "MOBILITY" | "MEDITATION" | "BREATHWORK" => "stretching",
        "PILATES" => "pilates",
        "STAIR_CLIMBING" | "FLOOR_CLIMBING" => "stair_climbing",
        "STRENGTH_TRAINING" => "strength_training",
        "YOGA" => "yoga",
        // Swimming
        "SWIMMING" => "swimming",
        "LAP_SWIMMING" => "pool_swimming",
        "OPEN_WATER_SWIMMING" => "open_water_swimming",
        // Walking and hiking
        "WALKING" | "CASUAL_WALKING" | "SPEED_WALKING" | "WHEELCHAIR_PUSH_WALK" => "walking",
        "HIKING" | "RUCKING" => "hiking",
        "MOUNTAINEERING" => "mountaineering",
        // Winter sports
        "WINTER_SPORTS" => "winter_sports",
        "BACKCOUNTRY_SNOWBOARDING" | "SNOWBOARDING_WS" => "snowboarding",
        "BACKCOUNTRY_SKIING" => "backcountry_skiing",
        "CROSS_COUNTRY_SKIING_WS" | "SKATE_SKIING_WS" => "cross_country_skiing",
        "RESORT_SKIING" | "RESORT_SKIING_SNOWBOARDING_WS" => "alpine_skiing",
        "SKATING_WS" => "ice_skating",
        "SNOW_SHOE_WS" => "snowshoeing",
        "SNOWMOBILING_WS" => "snowmobiling",
        // Water sports
        "WATER_SPORTS" => "water_sports",
        "BOATING" => "boating",
        "FISHING" => "fishing",
        "KAYAKING" | "WHITEWATER_RAFTING" => "kayaking",
        "KITEBOARDING" => "kitesurfing",
        "OFFSHORE_GRINDING" | "ONSHORE_GRINDING" | "SAILING" => "sailing",
        "PADDLING" => "paddling",
        "ROWING" => "rowing",
        "SNORKELING" => "diving",
        "STAND_UP_PADDLEBOARDING" => "stand_up_paddleboarding",
        "SURFING" => "surfing",
        "WAKEBOARDING" => "wakeboarding",
        "WATERSKIING" => "water_skiing",
        "WINDSURFING" => "windsurfing",
        // Multisport and transitions
        "MULTI_SPORT" => "multisport",
        "TRANSITION"
        | "BIKE_TO_RUN_TRANSITION"
        | "RUN_TO_BIKE_TRANSITION"
        | "SWIM_TO_BIKE_TRANSITION" => "transition",
        // Team sports
        "TEAM_SPORTS" => "team_sports",
        "AMERICAN_FOOTBALL" => "american_football",
        "BASEBALL" | "SOFTBALL" => "baseball",
        "BASKETBALL" => "basketball",
        "CRICKET" => "cricket",
        "FIELD_HOCKEY" | "ICE_HOCKEY" => "hockey",
        "LACROSSE" => "lacrosse",
        "RUGBY" => "rugby",
        "SOCCER" => "soccer",
        "ULTIMATE_DISC" | "DISC_GOLF" => "disc_sports",
        "VOLLEYBALL" => "volleyball",
        // Racket sports
        "RACKET_SPORTS" => "racket_sports",
        "BADMINTON" => "badminton",
        "PADDELBALL" => "padel",
        "PICKLEBALL" => "pickleball",
        "PLATFORM_TENNIS" | "TENNIS" => "tennis",
        "RACQUETBALL" => "racquetball",
        "SQUASH" => "squash",
        "TABLE_TENNIS" => "table_tennis",
        // Other
        "OTHER" | "STOP_WATCH" => "generic",
        "BOXING" => "boxing",
        "DANCE" => "dance",
        "GOLF" => "golf",
        "INLINE_SKATING" => "inline_skating",
        "MIXED_MARTIAL_ARTS" => "martial_arts",
        "ROCK_CLIMBING" => "rock_climbing",
        "PARA_SPORTS" => "para_sports",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garmin_activity_types_map_to_unified_codes() {
        assert_eq!(unified_workout_type(Some("RUNNING")), "running");
        assert_eq!(unified_workout_type(Some("TREADMILL_RUNNING")), "treadmill");
        assert_eq!(unified_workout_type(Some("LAP_SWIMMING")), "pool_swimming");
        assert_eq!(unified_workout_type(Some("BOATING_V2")), "boating");
        assert_eq!(unified_workout_type(Some("road biking")), "cycling");
        assert_eq!(unified_workout_type(Some("OTHER")), "generic");
    }

    #[test]
    fn unknown_or_missing_types_are_other() {
        assert_eq!(
            unified_workout_type(Some("UNDERWATER_BASKET_WEAVING")),
            "other"
        );
        assert_eq!(unified_workout_type(Some("")), "other");
        assert_eq!(unified_workout_type(None), "other");
    }
}
