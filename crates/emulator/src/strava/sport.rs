//! Sports the emulator generates, and the athlete physiology their simulation uses.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sport {
    Run,
    TrailRun,
    Ride,
    VirtualRide,
    Walk,
    Hike,
    Swim,
    WeightTraining,
    Yoga,
}

impl Sport {
    pub(crate) const ALL: [Sport; 9] = [
        Sport::Run,
        Sport::TrailRun,
        Sport::Ride,
        Sport::VirtualRide,
        Sport::Walk,
        Sport::Hike,
        Sport::Swim,
        Sport::WeightTraining,
        Sport::Yoga,
    ];

    /// `sport_type`.
    pub(crate) fn sport_type(self) -> &'static str {
        match self {
            Sport::Run => "Run",
            Sport::TrailRun => "TrailRun",
            Sport::Ride => "Ride",
            Sport::VirtualRide => "VirtualRide",
            Sport::Walk => "Walk",
            Sport::Hike => "Hike",
            Sport::Swim => "Swim",
            Sport::WeightTraining => "WeightTraining",
            Sport::Yoga => "Yoga",
        }
    }

    /// The legacy `type` (sport types without an own legacy value fall back to the parent).
    pub(crate) fn legacy_type(self) -> &'static str {
        match self {
            Sport::TrailRun => "Run",
            other => other.sport_type(),
        }
    }

    pub(crate) fn parse(raw: &str) -> Option<Sport> {
        Sport::ALL
            .into_iter()
            .find(|s| s.sport_type().eq_ignore_ascii_case(raw))
    }

    /// Covers distance (has distance and speed streams).
    pub(crate) fn moves(self) -> bool {
        !matches!(self, Sport::WeightTraining | Sport::Yoga)
    }

    /// Typical cadence (per leg for running and walking, crank rpm for cycling).
    pub(crate) fn cadence(self) -> Option<f64> {
        match self {
            Sport::Run | Sport::TrailRun => Some(84.0),
            Sport::Ride | Sport::VirtualRide => Some(88.0),
            Sport::Walk | Sport::Hike => Some(56.0),
            _ => None,
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Sport::Run | Sport::TrailRun => "Run",
            Sport::Ride => "Ride",
            Sport::VirtualRide => "Virtual Ride",
            Sport::Walk => "Walk",
            Sport::Hike => "Hike",
            Sport::Swim => "Swim",
            Sport::WeightTraining => "Weight Training",
            Sport::Yoga => "Yoga",
        }
    }
}

/// Per-athlete physiology.
#[derive(Debug, Clone)]
pub(crate) struct Physio {
    pub(crate) resting_hr: f64,
    pub(crate) max_hr: f64,
    /// Easy running pace, m/s.
    pub(crate) run_speed: f64,
    pub(crate) ride_speed: f64,
    pub(crate) ftp: f64,
    pub(crate) weight: f64,
}

impl Physio {
    pub(crate) fn speed(&self, sport: Sport) -> f64 {
        match sport {
            Sport::Run => self.run_speed,
            Sport::TrailRun => self.run_speed * 0.85,
            Sport::Ride => self.ride_speed,
            Sport::VirtualRide => self.ride_speed * 1.05,
            Sport::Walk => 1.4,
            Sport::Hike => 1.1,
            Sport::Swim => 0.95,
            Sport::WeightTraining | Sport::Yoga => 0.0,
        }
    }
}
