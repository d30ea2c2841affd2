#[test]
fn crashes() {
    if std::env::var("CRASH").is_ok() {
        std::process::abort();
    }
}
#[test]
fn beside_the_crash() {}
