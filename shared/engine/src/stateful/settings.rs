//! Windows and thresholds of the stateful detections, settable by name from the command line
//! (`--stateful-setting NAME=VALUE`) and the Lambda's environment (`AIDR_STATEFUL_SETTINGS`).

/// Windows and thresholds (defaults in [`StatefulSettings::default`]); times in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct StatefulSettings {
    /// Enablement then invocation by the same key within this many seconds (3600).
    pub enablement_window_secs: i64,
    /// Recon then invocation by the same long-term key within this many seconds (900).
    pub recon_window_secs: i64,
    /// Distinct recon / enablement / evasion actions by one key (5) …
    pub breadth_threshold: usize,
    /// … with no pause longer than this many seconds (86400).
    pub breadth_window_secs: i64,
    /// Failed invocations or listings by one key (10) …
    pub probe_threshold: i64,
    /// … with no pause longer than this many seconds (600).
    pub probe_window_secs: i64,
    /// First-seen detections record but do not report for this long after an account's first
    /// Bedrock invocation seen (7 days).
    pub learning_secs: i64,
    /// How long a first-seen marker is remembered (400 days).
    pub first_seen_ttl_secs: i64,
    /// Hourly invocations of one model by one principal must reach this floor (100) …
    pub volume_floor: i64,
    /// … and this factor (5) times the 95th percentile of the principal's own hourly counts …
    pub volume_factor: f64,
    /// … over this many trailing hours (168).
    pub volume_history_hours: i64,
    /// Regions invoked by one key (3) …
    pub fan_out_regions: usize,
    /// … with no pause longer than this many seconds (3600).
    pub fan_out_window_secs: i64,
    /// Signals for one key with no pause longer than this many seconds form one incident (86400).
    pub incident_window_secs: i64,
}

impl Default for StatefulSettings {
    fn default() -> Self {
        StatefulSettings {
            enablement_window_secs: 3600,
            recon_window_secs: 900,
            breadth_threshold: 5,
            breadth_window_secs: 86_400,
            probe_threshold: 10,
            probe_window_secs: 600,
            learning_secs: 7 * 86_400,
            first_seen_ttl_secs: 400 * 86_400,
            volume_floor: 100,
            volume_factor: 5.0,
            volume_history_hours: 168,
            fan_out_regions: 3,
            fan_out_window_secs: 3600,
            incident_window_secs: 86_400,
        }
    }
}

/// Longest window or memory a setting may give: ten years, in seconds.
pub const MAX_SECS: i64 = 10 * 365 * 86_400;
/// Largest count a threshold may give.
pub const MAX_COUNT: i64 = 1_000_000_000;
/// Longest volume history: a year, in hours.
pub const MAX_HISTORY_HOURS: i64 = 365 * 24;
/// Largest volume factor.
pub const MAX_FACTOR: f64 = 1_000_000.0;

impl StatefulSettings {
    /// Changes one setting by its field name (`probe_threshold`, `volume_factor`, …). Windows
    /// take at most [`MAX_SECS`], counts [`MAX_COUNT`], the volume history
    /// [`MAX_HISTORY_HOURS`], the volume factor [`MAX_FACTOR`].
    ///
    /// # Errors
    /// An unknown name, or a value that is not a positive number within its bound, with a
    /// message naming it.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let max = if name.ends_with("_secs") {
            MAX_SECS
        } else if name == "volume_history_hours" {
            MAX_HISTORY_HOURS
        } else {
            MAX_COUNT
        };
        let bad = |max: String| format!("{name}: {value:?} is not a positive number of at most {max}");
        let int = || {
            let n = value.trim().parse::<i64>().ok();
            n.filter(|n| (1..=max).contains(n)).ok_or_else(|| bad(max.to_string()))
        };
        match name {
            "volume_factor" => {
                let f = value.trim().parse::<f64>().ok();
                self.volume_factor = f
                    .filter(|f| *f > 0.0 && *f <= MAX_FACTOR)
                    .ok_or_else(|| bad(MAX_FACTOR.to_string()))?;
                return Ok(());
            }
            "breadth_threshold" => self.breadth_threshold = int()? as usize,
            "fan_out_regions" => self.fan_out_regions = int()? as usize,
            _ => {
                let field = match name {
                    "enablement_window_secs" => &mut self.enablement_window_secs,
                    "recon_window_secs" => &mut self.recon_window_secs,
                    "breadth_window_secs" => &mut self.breadth_window_secs,
                    "probe_threshold" => &mut self.probe_threshold,
                    "probe_window_secs" => &mut self.probe_window_secs,
                    "learning_secs" => &mut self.learning_secs,
                    "first_seen_ttl_secs" => &mut self.first_seen_ttl_secs,
                    "volume_floor" => &mut self.volume_floor,
                    "volume_history_hours" => &mut self.volume_history_hours,
                    "fan_out_window_secs" => &mut self.fan_out_window_secs,
                    "incident_window_secs" => &mut self.incident_window_secs,
                    _ => return Err(format!("unknown stateful setting {name:?}")),
                };
                *field = int()?;
            }
        }
        Ok(())
    }

    /// Applies `name=value` settings separated by commas (empty parts are ignored).
    ///
    /// # Errors
    /// The first part that is not `name=value` or that [`StatefulSettings::set`] refuses.
    pub fn apply(&mut self, settings: &str) -> Result<(), String> {
        for part in settings.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not name=value"))?;
            self.set(name.trim(), value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::StatefulSettings;

    #[test]
    fn settings_by_name() {
        let mut c = StatefulSettings::default();
        c.apply("probe_threshold=20, volume_factor=2.5,fan_out_regions=4,breadth_threshold=6")
            .unwrap();
        assert_eq!(
            (
                c.probe_threshold,
                c.volume_factor,
                c.fan_out_regions,
                c.breadth_threshold
            ),
            (20, 2.5, 4, 6)
        );
        assert!(c.apply("probe_threshold=-1").is_err());
        assert!(c.apply("breadth_threshold=0").is_err());
        for too_big in [
            "enablement_window_secs=9223372036854775807",
            "learning_secs=400000000",
            "volume_history_hours=9000",
            "probe_threshold=2000000000",
            "volume_factor=inf",
            "volume_factor=NaN",
        ] {
            let err = c.apply(too_big).unwrap_err();
            assert!(err.contains("at most"), "{too_big}: {err}");
        }
        assert!(c.apply("first_seen_ttl_secs=315360000").is_ok(), "ten years");
        assert!(c.apply("no_such=1").unwrap_err().contains("unknown"));
        assert!(c.apply("probe_threshold").is_err());
    }
}
