//! The shipped example policy must parse and mean what its comments say.

#[test]
fn the_example_policy_parses() {
    let text = include_str!("../../assets/policy.example.toml");
    let p = super::policy::parse(text, "assets/policy.example.toml").unwrap();
    assert_eq!(p.classification_rotation_days.get("critical"), Some(&30));
    assert_eq!(p.overrides.len(), 2);
    assert_eq!(p.rotation_max_days, 90);
}
