//! Great-circle distance for geofences.

/// Mean Earth radius in metres (IUGG).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The haversine distance in metres between two WGS 84 points given in degrees.
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().clamp(0.0, 1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        // Paris (Notre-Dame) to London (Big Ben): about 343 km.
        let d = haversine_m(48.8530, 2.3499, 51.5007, -0.1246);
        assert!((d - 343_000.0).abs() < 1_000.0, "{d}");
        // One thousandth of a degree of latitude: about 111 m.
        let d = haversine_m(52.0, 13.0, 52.001, 13.0);
        assert!((d - 111.2).abs() < 0.5, "{d}");
        assert!(haversine_m(10.0, 10.0, 10.0, 10.0).abs() < f64::EPSILON);
    }
}
