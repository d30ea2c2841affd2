//! A crate whose tests fail in every way testrun/cargo.go reads: see ../README.md.

/// ```
/// assert_eq!(demo::add(1, 1), 2);
/// ```
pub fn add(a: i32, b: i32) -> i32 {
    a + b
}

#[cfg(test)]
mod tests {
    use super::*;

    // Fails the first time it runs when $FLAKY_MARKER names a file that
    // does not exist yet (it creates it), passes after.
    fn flaky_once() {
        let m = std::env::var("FLAKY_MARKER").unwrap_or_default();
        if !m.is_empty() && !std::path::Path::new(&m).exists() {
            std::fs::write(&m, "x").unwrap();
            panic!("flaky failed the first time");
        }
    }

    #[test]
    fn adds() {
        assert_eq!(add(2, 2), 4);
    }
    #[test]
    fn flaky() {
        flaky_once();
    }
    #[test]
    fn broken() {
        assert_eq!(add(2, 3), 6, "deterministic");
    }
    #[test]
    #[ignore]
    fn ignored_one() {}
    #[test]
    #[should_panic]
    fn panics_ok() {
        panic!("expected");
    }
    #[test]
    fn größe() {}

    mod nested {
        #[test]
        fn deep() {}
        #[test]
        fn deep_fails() {
            if std::env::var("DEEP_PASSES").is_err() {
                panic!("nested");
            }
        }
    }
}
