//! WHOOP sports → unified workout type (Open Wearables `WorkoutType` codes, its WHOOP table).
//! `sport_name` is a lowercase hyphenated slug (`hiking-rucking`); display names such as
//! `Hiking/Rucking` or `Track & Field` are slugified first. The deprecated `sport_id` is the
//! fallback. Anything unknown is `other`; never an error.

/// `(sport_name slug, sport_id, unified type)`.
const SPORTS: &[(&str, i64, &str)] = &[
    ("activity", -1, "generic"),
    ("other", 71, "generic"),
    ("running", 0, "running"),
    ("walking", 63, "walking"),
    ("hiking-rucking", 52, "hiking"),
    ("track-field", 35, "running"),
    ("track-and-field", 35, "running"),
    ("stroller-walking", 252, "walking"),
    ("stroller-jogging", 253, "running"),
    ("dog-walking", 266, "walking"),
    ("caddying", 93, "walking"),
    ("toddlerwearing", 254, "walking"),
    ("babywearing", 255, "walking"),
    ("wheelchair-pushing", 105, "wheelchair"),
    ("cycling", 1, "cycling"),
    ("mountain-biking", 57, "mountain_biking"),
    ("spin", 97, "indoor_cycling"),
    ("assault-bike", 126, "indoor_cycling"),
    ("swimming", 33, "swimming"),
    ("water-polo", 37, "water_polo"),
    ("rowing", 18, "rowing"),
    ("kayaking", 55, "kayaking"),
    ("paddleboarding", 61, "stand_up_paddleboarding"),
    ("surfing", 64, "surfing"),
    ("sailing", 28, "sailing"),
    ("diving", 73, "diving"),
    ("water-skiing", 267, "water_skiing"),
    ("wakeboarding", 268, "wakeboarding"),
    ("kite-boarding", 264, "kitesurfing"),
    ("operations-water", 77, "operations"),
    ("weightlifting", 45, "strength_training"),
    ("powerlifting", 59, "strength_training"),
    ("strength-trainer", 123, "strength_training"),
    ("functional-fitness", 48, "cardio_training"),
    ("elliptical", 65, "elliptical"),
    ("stairmaster", 66, "stair_climbing"),
    ("climber", 83, "stair_climbing"),
    ("stadium-steps", 261, "stair_climbing"),
    ("hiit", 96, "cardio_training"),
    ("jumping-rope", 84, "cardio_training"),
    ("obstacle-course-racing", 94, "cardio_training"),
    ("parkour", 110, "parkour"),
    ("yoga", 44, "yoga"),
    ("hot-yoga", 259, "yoga"),
    ("pilates", 43, "pilates"),
    ("stretching", 128, "stretching"),
    ("meditation", 70, "meditation"),
    ("barre", 107, "group_exercise"),
    ("barre3", 258, "group_exercise"),
    ("skiing", 29, "alpine_skiing"),
    ("cross-country-skiing", 47, "cross_country_skiing"),
    ("snowboarding", 91, "snowboarding"),
    ("ice-skating", 239, "ice_skating"),
    ("soccer", 30, "soccer"),
    ("basketball", 17, "basketball"),
    ("football", 21, "american_football"),
    ("australian-football", 85, "football"),
    ("gaelic-football", 111, "football"),
    ("baseball", 16, "baseball"),
    ("softball", 31, "baseball"),
    ("volleyball", 36, "volleyball"),
    ("rugby", 27, "rugby"),
    ("lacrosse", 25, "lacrosse"),
    ("cricket", 100, "cricket"),
    ("netball", 232, "sport"),
    ("ultimate", 82, "sport"),
    ("spikeball", 104, "sport"),
    ("hurling-camogie", 112, "sport"),
    ("hurling-and-camogie", 112, "sport"),
    ("paintball", 238, "sport"),
    ("ice-hockey", 24, "hockey"),
    ("field-hockey", 20, "hockey"),
    ("handball", 240, "handball"),
    ("tennis", 34, "tennis"),
    ("squash", 32, "squash"),
    ("badminton", 231, "badminton"),
    ("table-tennis", 230, "table_tennis"),
    ("padel", 249, "padel"),
    ("paddle-tennis", 106, "padel"),
    ("pickleball", 101, "pickleball"),
    ("boxing", 39, "boxing"),
    ("kickboxing", 127, "boxing"),
    ("box-fitness", 103, "boxing"),
    ("martial-arts", 56, "martial_arts"),
    ("jiu-jitsu", 98, "martial_arts"),
    ("wrestling", 38, "wrestling"),
    ("fencing", 19, "fencing"),
    ("rock-climbing", 60, "rock_climbing"),
    ("golf", 22, "golf"),
    ("disc-golf", 234, "disc_sports"),
    ("inline-skating", 102, "inline_skating"),
    ("skateboarding", 86, "skateboarding"),
    ("horseback-riding", 53, "horseback_riding"),
    ("polo", 262, "horseback_riding"),
    ("triathlon", 62, "triathlon"),
    ("duathlon", 49, "multisport"),
    ("motocross", 92, "motorcycling"),
    ("motor-racing", 95, "motor_sports"),
    ("dance", 42, "dance"),
    ("circus-arts", 113, "dance"),
    ("stage-performance", 108, "dance"),
    ("f45-training", 248, "group_exercise"),
    ("barrys", 250, "group_exercise"),
    ("gymnastics", 51, "gymnastics"),
    ("ice-bath", 88, "recovery"),
    ("sauna", 233, "recovery"),
    ("massage-therapy", 121, "recovery"),
    ("air-compression", 236, "recovery"),
    ("percussive-massage", 237, "recovery"),
    ("operations-tactical", 74, "operations"),
    ("operations-medical", 75, "operations"),
    ("operations-flying", 76, "operations"),
    ("manual-labor", 99, "work"),
    ("high-stress-work", 109, "work"),
    ("coaching", 87, "work"),
    ("watching-sports", 125, "lifestyle"),
    ("commuting", 89, "lifestyle"),
    ("gaming", 90, "gaming"),
    ("yard-work", 235, "chores"),
    ("cooking", 269, "chores"),
    ("cleaning", 270, "chores"),
    ("public-speaking", 272, "lifestyle"),
    ("musical-performance", 263, "lifestyle"),
    ("dedicated-parenting", 251, "lifestyle"),
];

/// The unified workout type code for a WHOOP sport.
pub fn unified_workout_type(sport_name: Option<&str>, sport_id: Option<i64>) -> &'static str {
    let by_name = sport_name.map(slug).and_then(|slug| {
        SPORTS
            .iter()
            .find(|(name, _, _)| *name == slug)
            .map(|(_, _, unified)| *unified)
    });
    let by_id = || {
        sport_id.and_then(|id| {
            SPORTS
                .iter()
                .find(|(_, sid, _)| *sid == id)
                .map(|(_, _, unified)| *unified)
        })
    };
    by_name.or_else(by_id).unwrap_or("other")
}

/// `Hiking/Rucking` → `hiking-rucking`, `Track & Field` → `track-field`, `Barry's` → `barrys`.
fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        match c {
            '\'' | '’' => {}
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ if out.ends_with('-') || out.is_empty() => {}
            _ => out.push('-'),
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whoop_slugs_and_display_names_map_to_unified_types() {
        assert_eq!(unified_workout_type(Some("running"), Some(0)), "running");
        assert_eq!(unified_workout_type(Some("hiking-rucking"), None), "hiking");
        assert_eq!(unified_workout_type(Some("Hiking/Rucking"), None), "hiking");
        assert_eq!(unified_workout_type(Some("Track & Field"), None), "running");
        assert_eq!(
            unified_workout_type(Some("Operations - Water"), None),
            "operations"
        );
        assert_eq!(
            unified_workout_type(Some("Barry's"), None),
            "group_exercise"
        );
        assert_eq!(unified_workout_type(Some("spin"), None), "indoor_cycling");
        assert_eq!(unified_workout_type(Some("sauna"), None), "recovery");
        assert_eq!(
            unified_workout_type(Some("football"), None),
            "american_football"
        );
    }

    #[test]
    fn unknown_names_fall_back_to_the_sport_id_then_other() {
        assert_eq!(
            unified_workout_type(Some("brand-new-sport"), Some(52)),
            "hiking"
        );
        assert_eq!(
            unified_workout_type(Some("brand-new-sport"), Some(9999)),
            "other"
        );
        assert_eq!(unified_workout_type(None, None), "other");
        assert_eq!(unified_workout_type(Some(""), None), "other");
        assert_eq!(unified_workout_type(Some("activity"), None), "generic");
    }

    #[test]
    fn slugs_and_ids_are_unique_per_entry() {
        for (i, (name, _, _)) in SPORTS.iter().enumerate() {
            assert_eq!(slug(name), *name, "table slugs are already slugs");
            assert!(
                SPORTS[i + 1..].iter().all(|(other, _, _)| other != name),
                "duplicate {name}"
            );
        }
    }
}
