//! The staging-label table of AWS Secrets Manager, one test per row.

use super::*;

const V1: &str = "v1";
const V2: &str = "v2";
const V3: &str = "v3";

/// Builds a label map from (version, labels) pairs.
fn state(entries: &[(&str, &[&str])]) -> LabelState {
    let mut state = LabelState::new();
    for (version, labels) in entries {
        for label in *labels {
            state.insert((*label).to_owned(), (*version).to_owned());
        }
    }
    state
}

/// Labels on one version, sorted.
fn labels_of(state: &LabelState, version: &str) -> Vec<String> {
    state
        .iter()
        .filter(|(_, v)| v.as_str() == version)
        .map(|(l, _)| l.clone())
        .collect()
}

fn stages(labels: &[&str]) -> Vec<String> {
    labels.iter().map(|l| (*l).to_owned()).collect()
}

fn put(state: &LabelState, version: &str, labels: Option<&[&str]>) -> LabelState {
    let labels = labels.map(stages);
    let moves = moves_for_new_version(state, version, labels.as_deref()).unwrap();
    apply_moves(state, &moves)
}

fn versions(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|v| (*v).to_owned()).collect()
}

fn usvs(
    state: &LabelState,
    ids: &[&str],
    stage: &str,
    move_to: Option<&str>,
    remove_from: Option<&str>,
) -> LabelState {
    let moves = moves_for_stage_update(state, &versions(ids), stage, move_to, remove_from).unwrap();
    apply_moves(state, &moves)
}

#[test]
fn put_default_moves_current_and_previous() {
    let after = put(&state(&[(V1, &[AWSCURRENT])]), V2, None);
    assert_eq!(labels_of(&after, V1), [AWSPREVIOUS]);
    assert_eq!(labels_of(&after, V2), [AWSCURRENT]);
}

#[test]
fn put_default_deprecates_old_previous() {
    let after = put(
        &state(&[(V1, &[AWSPREVIOUS]), (V2, &[AWSCURRENT])]),
        V3,
        None,
    );
    assert!(labels_of(&after, V1).is_empty());
    assert_eq!(labels_of(&after, V2), [AWSPREVIOUS]);
    assert_eq!(labels_of(&after, V3), [AWSCURRENT]);
}

#[test]
fn put_pending_leaves_current() {
    let after = put(&state(&[(V1, &[AWSCURRENT])]), V2, Some(&[AWSPENDING]));
    assert_eq!(labels_of(&after, V1), [AWSCURRENT]);
    assert_eq!(labels_of(&after, V2), [AWSPENDING]);
}

#[test]
fn usvs_current_keeps_pending_on_target() {
    let before = state(&[(V1, &[AWSCURRENT]), (V2, &[AWSPENDING])]);
    let after = usvs(&before, &[V1, V2], AWSCURRENT, Some(V2), Some(V1));
    assert_eq!(labels_of(&after, V1), [AWSPREVIOUS]);
    assert_eq!(labels_of(&after, V2), [AWSCURRENT, AWSPENDING]);
}

#[test]
fn put_default_drops_pending_from_old_current() {
    let before = state(&[(V1, &[AWSPREVIOUS]), (V2, &[AWSCURRENT, AWSPENDING])]);
    let after = put(&before, V3, None);
    assert!(labels_of(&after, V1).is_empty());
    assert_eq!(labels_of(&after, V2), [AWSPREVIOUS]);
    assert_eq!(labels_of(&after, V3), [AWSCURRENT]);
}

#[test]
fn put_pending_takes_pending_from_current() {
    let before = state(&[(V1, &[AWSPREVIOUS]), (V2, &[AWSCURRENT, AWSPENDING])]);
    let after = put(&before, V3, Some(&[AWSPENDING]));
    assert_eq!(labels_of(&after, V1), [AWSPREVIOUS]);
    assert_eq!(labels_of(&after, V2), [AWSCURRENT]);
    assert_eq!(labels_of(&after, V3), [AWSPENDING]);
}

#[test]
fn usvs_current_to_pending_version_deprecates_oldest() {
    let before = state(&[
        (V1, &[AWSPREVIOUS]),
        (V2, &[AWSCURRENT]),
        (V3, &[AWSPENDING]),
    ]);
    let after = usvs(&before, &[V1, V2, V3], AWSCURRENT, Some(V3), Some(V2));
    assert!(labels_of(&after, V1).is_empty());
    assert_eq!(labels_of(&after, V2), [AWSPREVIOUS]);
    assert_eq!(labels_of(&after, V3), [AWSCURRENT, AWSPENDING]);
}

#[test]
fn custom_labels_never_move_unless_named() {
    let ids = [V1, V2, V3];
    let start = state(&[
        (V1, &[AWSCURRENT]),
        (V2, &[AWSPENDING, "AWSSOMETHING", "PUT1"]),
    ]);
    let step1 = usvs(&start, &ids, AWSCURRENT, Some(V2), Some(V1));
    let step2 = put(&step1, V3, Some(&[AWSPENDING, "PUT2"]));
    let end = usvs(&step2, &ids, AWSCURRENT, Some(V3), Some(V2));
    assert!(labels_of(&end, V1).is_empty());
    assert_eq!(labels_of(&end, V2), [AWSPREVIOUS, "AWSSOMETHING", "PUT1"]);
    assert_eq!(labels_of(&end, V3), [AWSCURRENT, AWSPENDING, "PUT2"]);
}

#[test]
fn put_superset_of_custom_labels_deprecates_older() {
    let start = state(&[(V1, &[AWSCURRENT])]);
    let step1 = put(&start, V2, Some(&["one", "two", "three"]));
    let end = put(&step1, V3, Some(&["one", "two", "three", "four"]));
    assert_eq!(labels_of(&end, V1), [AWSCURRENT]);
    assert!(labels_of(&end, V2).is_empty());
    assert_eq!(labels_of(&end, V3), ["four", "one", "three", "two"]);
}

#[test]
fn put_overlapping_custom_labels_leaves_rest() {
    let start = state(&[(V1, &[AWSCURRENT])]);
    let step1 = put(&start, V2, Some(&["one", "two", "three"]));
    let end = put(&step1, V3, Some(&["one", "two", "four"]));
    assert_eq!(labels_of(&end, V1), [AWSCURRENT]);
    assert_eq!(labels_of(&end, V2), ["three"]);
    assert_eq!(labels_of(&end, V3), ["four", "one", "two"]);
}

#[test]
fn custom_pending_label_removed_without_move() {
    let ids = [V1, V2];
    let start = state(&[(V1, &[AWSCURRENT]), (V2, &["PENDING"])]);
    let step1 = usvs(&start, &ids, AWSCURRENT, Some(V2), Some(V1));
    let end = usvs(&step1, &ids, "PENDING", None, Some(V2));
    assert_eq!(labels_of(&end, V1), [AWSPREVIOUS]);
    assert_eq!(labels_of(&end, V2), [AWSCURRENT]);
}

#[test]
fn first_version_always_gets_current() {
    let after = put(&LabelState::new(), V1, Some(&[AWSPENDING]));
    assert_eq!(labels_of(&after, V1), [AWSCURRENT, AWSPENDING]);
}

#[test]
fn first_version_default_gets_only_current() {
    let after = put(&LabelState::new(), V1, None);
    assert_eq!(labels_of(&after, V1), [AWSCURRENT]);
}

#[test]
fn put_custom_label_abandons_foreign_pending() {
    let before = state(&[(V1, &[AWSCURRENT]), (V2, &[AWSPENDING])]);
    let after = put(&before, V3, Some(&["custom"]));
    assert!(labels_of(&after, V2).is_empty());
    assert_eq!(labels_of(&after, V1), [AWSCURRENT]);
    assert_eq!(labels_of(&after, V3), ["custom"]);
}

#[test]
fn filling_placeholder_keeps_its_pending() {
    let before = state(&[(V1, &[AWSCURRENT]), (V2, &[AWSPENDING])]);
    let moves = moves_for_new_version(&before, V2, Some(&stages(&[AWSPENDING]))).unwrap();
    assert!(moves.is_empty());
}

#[test]
fn usvs_current_without_remove_from_is_rejected() {
    let before = state(&[(V1, &[AWSCURRENT]), (V2, &[AWSPENDING])]);
    let err = moves_for_stage_update(&before, &versions(&[V1, V2]), AWSCURRENT, Some(V2), None)
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidParameterException");
    assert_eq!(
        err.to_string(),
        "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently \
         attached to version v1, so you must explicitly reference that version in \
         RemoveFromVersionId."
    );
}

#[test]
fn usvs_current_onto_secret_without_current_needs_no_remove_from() {
    let before = state(&[(V1, &[AWSPENDING])]);
    let after = usvs(&before, &[V1], AWSCURRENT, Some(V1), None);
    assert_eq!(labels_of(&after, V1), [AWSCURRENT, AWSPENDING]);
    assert!(!after.contains_key(AWSPREVIOUS));
}

#[test]
fn usvs_current_takes_previous_from_third_version() {
    let before = state(&[(V1, &[AWSPREVIOUS]), (V2, &[AWSCURRENT]), (V3, &["x"])]);
    let after = usvs(&before, &[V1, V2, V3], AWSCURRENT, Some(V3), Some(V2));
    assert!(labels_of(&after, V1).is_empty());
    assert_eq!(labels_of(&after, V2), [AWSPREVIOUS]);
    assert_eq!(labels_of(&after, V3), [AWSCURRENT, "x"]);
}

#[test]
fn usvs_unknown_versions_are_rejected() {
    let before = state(&[(V1, &[AWSCURRENT])]);
    let ids = versions(&[V1]);
    let err =
        moves_for_stage_update(&before, &ids, AWSCURRENT, Some("nope"), Some(V1)).unwrap_err();
    assert_eq!(err.to_string(), "Not a valid version: nope");
    let err = moves_for_stage_update(&before, &ids, "x", None, Some("gone")).unwrap_err();
    assert_eq!(err.aws_type(), "InvalidParameterException");
    assert_eq!(err.to_string(), "Not a valid version: gone");
}

#[test]
fn usvs_remove_from_wrong_version_is_rejected() {
    let before = state(&[(V1, &[AWSCURRENT]), (V2, &["x"])]);
    let err =
        moves_for_stage_update(&before, &versions(&[V1, V2]), "x", None, Some(V1)).unwrap_err();
    assert_eq!(err.to_string(), "Version stage x not found in version v1");
}

#[test]
fn usvs_cannot_remove_current_entirely() {
    let before = state(&[(V1, &[AWSCURRENT])]);
    let err =
        moves_for_stage_update(&before, &versions(&[V1]), AWSCURRENT, None, Some(V1)).unwrap_err();
    assert_eq!(err.aws_type(), "InvalidParameterException");
}

#[test]
fn usvs_to_current_holder_is_noop() {
    let before = state(&[(V1, &[AWSCURRENT])]);
    let moves =
        moves_for_stage_update(&before, &versions(&[V1]), AWSCURRENT, Some(V1), Some(V1)).unwrap();
    assert!(moves.is_empty());
}

#[test]
fn moves_record_expected_holders() {
    let before = state(&[(V1, &[AWSCURRENT]), (V2, &[AWSPREVIOUS])]);
    let moves = moves_for_new_version(&before, V3, None).unwrap();
    assert!(moves.contains(&LabelMove::new(
        AWSCURRENT,
        Some(V1.into()),
        Some(V3.into())
    )));
    assert!(moves.contains(&LabelMove::new(
        AWSPREVIOUS,
        Some(V2.into()),
        Some(V1.into())
    )));
    assert_eq!(moves.len(), 2);
}

#[test]
fn label_limit_is_enforced() {
    let names: Vec<String> = (0..20).map(|i| format!("l{i}")).collect();
    let mut before = state(&[(V1, &[AWSCURRENT])]);
    for name in &names[..19] {
        before.insert(name.clone(), V1.into());
    }
    let err = moves_for_new_version(&before, V2, Some(&stages(&["extra"]))).unwrap_err();
    assert_eq!(err.aws_type(), "LimitExceededException");
}

#[test]
fn invalid_label_lengths_are_rejected() {
    let before = state(&[(V1, &[AWSCURRENT])]);
    assert!(moves_for_new_version(&before, V2, Some(&stages(&[""]))).is_err());
    let long = "x".repeat(257);
    assert!(moves_for_new_version(&before, V2, Some(&[long])).is_err());
}
