//! Polar `sport` + `detailed_sport_info` → unified workout type (Open Wearables `WorkoutType`
//! codes). The detailed name is the more specific one and wins; anything unknown is `other`.

/// The unified workout type code for a Polar exercise.
pub fn unified_workout_type(sport: Option<&str>, detailed: Option<&str>) -> &'static str {
    let normalize = |s: &str| s.trim().to_ascii_uppercase().replace([' ', '-'], "_");
    if let Some(code) = detailed.map(normalize).as_deref().and_then(detailed_type) {
        return code;
    }
    sport
        .map(normalize)
        .as_deref()
        .and_then(sport_type)
        .unwrap_or("other")
}

/// Polar's basic `sport` categories.
fn sport_type(sport: &str) -> Option<&'static str> {
    Some(match sport {
        "RUNNING" => "running",
        "CYCLING" => "cycling",
        "SWIMMING" => "swimming",
        "WALKING" => "walking",
        "HIKING" => "hiking",
        "STRENGTH_TRAINING" => "strength_training",
        "BASKETBALL" => "basketball",
        "SOCCER" => "soccer",
        "TENNIS" => "tennis",
        "MULTISPORT" => "multisport",
        "YOGA" => "yoga",
        _ => return detailed_type(sport),
    })
}

/// Polar's `detailed_sport_info` names (also used as `sport` by some devices).
fn detailed_type(detailed: &str) -> Option<&'static str> {
    Some(match detailed {
        // Running and walking
        "RUNNING" | "RUNNING_ROAD" | "ROAD_RUNNING" => "running",
        "RUNNING_TRAIL" | "TRAIL_RUNNING" => "trail_running",
        "RUNNING_TREADMILL" | "TREADMILL_RUNNING" => "treadmill",
        "WALKING" | "WALKING_NORDIC" | "NORDIC_WALKING" => "walking",
        "HIKING" => "hiking",
        "MOUNTAINEERING" => "mountaineering",
        "ORIENTEERING" | "ORIENTEERING_RUNNING" => "orienteering",
        // Cycling
        "CYCLING" | "CYCLING_ROAD" | "ROAD_BIKING" => "cycling",
        "CYCLING_MOUNTAIN" | "CYCLING_MOUNTAIN_BIKE" | "MOUNTAIN_BIKING" => "mountain_biking",
        "CYCLING_INDOOR" | "INDOOR_CYCLING" | "SPINNING" => "indoor_cycling",
        "CYCLING_CYCLOCROSS" | "CYCLOCROSS" => "cyclocross",
        "E_BIKING" | "CYCLING_E_BIKE" => "e_biking",
        // Water
        "SWIMMING" | "AQUATICS_SWIMMING" => "swimming",
        "SWIMMING_POOL" | "POOL_SWIMMING" => "pool_swimming",
        "SWIMMING_OPEN_WATER" | "OPEN_WATER_SWIMMING" => "open_water_swimming",
        "WATERSPORTS_ROWING" | "ROWING" => "rowing",
        "WATERSPORTS_KAYAKING" | "KAYAKING" => "kayaking",
        "WATERSPORTS_CANOEING" | "CANOEING" => "canoeing",
        "WATERSPORTS_STAND_UP_PADDLING" | "STAND_UP_PADDLING" => "stand_up_paddleboarding",
        "WATERSPORTS_SURFING" | "SURFING" => "surfing",
        "WATERSPORTS_KITESURFING" | "KITESURFING" => "kitesurfing",
        "WATERSPORTS_WINDSURFING" | "WINDSURFING" => "windsurfing",
        "WATERSPORTS_SAILING" | "SAILING" => "sailing",
        "WATERSPORTS_WATERSKI" | "WATER_SKIING" => "water_skiing",
        // Winter
        "WINTERSPORTS_CROSS_COUNTRY_SKIING" | "CROSS_COUNTRY_SKIING" => "cross_country_skiing",
        "WINTERSPORTS_ALPINE_SKIING"
        | "WINTERSPORTS_DOWNHILL_SKIING"
        | "ALPINE_SKIING"
        | "DOWNHILL_SKIING" => "alpine_skiing",
        "WINTERSPORTS_BACKCOUNTRY_SKIING" | "BACKCOUNTRY_SKIING" => "backcountry_skiing",
        "WINTERSPORTS_SNOWBOARDING" | "SNOWBOARDING" => "snowboarding",
        "WINTERSPORTS_SNOWSHOEING" | "SNOWSHOE_TREKKING" => "snowshoeing",
        "WINTERSPORTS_ICE_SKATING" | "ICE_SKATING" => "ice_skating",
        // Gym
        "STRENGTH_TRAINING" | "CORE" | "CIRCUIT_TRAINING" => "strength_training",
        "HIIT" | "FITNESS_CARDIO" | "JUMP_ROPE" | "CROSS_TRAINING" | "FUNCTIONAL_TRAINING" => {
            "cardio_training"
        }
        "FITNESS_ELLIPTICAL" | "ELLIPTICAL" => "elliptical",
        "FITNESS_INDOOR_ROWING" | "INDOOR_ROWING" => "rowing_machine",
        "FITNESS_STAIR_CLIMBING" | "STAIR_CLIMBING" => "stair_climbing",
        "FITNESS_YOGA" | "YOGA" => "yoga",
        "FITNESS_PILATES" | "PILATES" => "pilates",
        "FITNESS_STRETCHING" | "STRETCHING" | "MOBILITY" => "stretching",
        "FITNESS_AEROBICS" | "AEROBICS" => "aerobics",
        "FITNESS_DANCING" | "DANCE" | "DANCING" => "dance",
        // Team and racket sports
        "TEAMSPORTS_SOCCER" | "SOCCER" => "soccer",
        "TEAMSPORTS_FOOTBALL" | "FOOTBALL" => "football",
        "TEAMSPORTS_AMERICAN_FOOTBALL" | "AMERICAN_FOOTBALL" => "american_football",
        "TEAMSPORTS_BASEBALL" | "BASEBALL" => "baseball",
        "TEAMSPORTS_BASKETBALL" | "BASKETBALL" => "basketball",
        "TEAMSPORTS_VOLLEYBALL" | "VOLLEYBALL" => "volleyball",
        "TEAMSPORTS_HANDBALL" | "HANDBALL" => "handball",
        "TEAMSPORTS_RUGBY" | "RUGBY" => "rugby",
        "TEAMSPORTS_HOCKEY" | "TEAMSPORTS_ICE_HOCKEY" | "ICE_HOCKEY" => "hockey",
        "TEAMSPORTS_FLOORBALL" | "FLOORBALL" => "floorball",
        "RACKET_SPORTS_TENNIS" | "TENNIS" => "tennis",
        "RACKET_SPORTS_BADMINTON" | "BADMINTON" => "badminton",
        "RACKET_SPORTS_SQUASH" | "SQUASH" => "squash",
        "RACKET_SPORTS_TABLE_TENNIS" | "TABLE_TENNIS" => "table_tennis",
        "RACKET_SPORTS_PADEL" | "PADEL" => "padel",
        // Combat
        "COMBAT_SPORTS_BOXING" | "BOXING" | "KICKBOXING_MARTIAL_ARTS" => "boxing",
        "COMBAT_SPORTS_MARTIAL_ARTS" | "MARTIAL_ARTS" => "martial_arts",
        // Outdoor and other
        "OUTDOOR_CLIMBING" | "CLIMBING" => "rock_climbing",
        "INDOOR_CLIMBING" => "indoor_climbing",
        "GOLF" => "golf",
        "INLINE_SKATING" => "inline_skating",
        "SKATEBOARDING" => "skateboarding",
        "HORSEBACK_RIDING" | "RIDING" => "horseback_riding",
        "TRIATHLON" => "triathlon",
        "MULTISPORT" => "multisport",
        "MOTORSPORTS" | "MOTORSPORTS_ENDURO" => "motorcycling",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detailed_sport_wins_over_the_basic_one() {
        assert_eq!(
            unified_workout_type(Some("RUNNING"), Some("RUNNING_TRAIL")),
            "trail_running"
        );
        assert_eq!(
            unified_workout_type(Some("OTHER"), Some("CYCLING_MOUNTAIN_BIKE")),
            "mountain_biking"
        );
        assert_eq!(
            unified_workout_type(Some("OTHER"), Some("FITNESS_INDOOR_ROWING")),
            "rowing_machine"
        );
        assert_eq!(unified_workout_type(Some("CYCLING"), None), "cycling");
        assert_eq!(
            unified_workout_type(Some("running"), Some("treadmill running")),
            "treadmill"
        );
    }

    #[test]
    fn unknown_sports_are_other_never_an_error() {
        assert_eq!(unified_workout_type(Some("OTHER"), None), "other");
        assert_eq!(
            unified_workout_type(Some("CURLING_ON_MARS"), Some("???")),
            "other"
        );
        assert_eq!(unified_workout_type(None, None), "other");
        assert_eq!(
            unified_workout_type(Some("RUNNING"), Some("UNHEARD_OF")),
            "running"
        );
    }
}
