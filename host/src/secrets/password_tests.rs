use super::*;

fn counts(password: &str) -> [usize; 4] {
    [
        password.chars().filter(char::is_ascii_lowercase).count(),
        password.chars().filter(char::is_ascii_uppercase).count(),
        password.chars().filter(char::is_ascii_digit).count(),
        password
            .chars()
            .filter(|c| PUNCTUATION.contains(*c))
            .count(),
    ]
}

#[test]
fn default_password_has_every_type() {
    let password = generate_password(&PasswordSpec::default()).unwrap();
    assert_eq!(password.chars().count(), 32);
    assert!(counts(&password).iter().all(|&n| n >= 1));
    assert!(!password.contains(' '));
}

#[test]
fn exclusions_keep_exact_length() {
    let spec = PasswordSpec {
        length: 120,
        exclude_characters: "/@\"'\\".into(),
        ..PasswordSpec::default()
    };
    for _ in 0..200 {
        let password = generate_password(&spec).unwrap();
        assert_eq!(password.chars().count(), 120);
        for excluded in ['/', '@', '"', '\'', '\\'] {
            assert!(
                !password.contains(excluded),
                "contains excluded {excluded:?}"
            );
        }
        let [lower, upper, digits, punctuation] = counts(&password);
        assert!(lower >= 1, "no lowercase");
        assert!(upper >= 1, "no uppercase");
        assert!(digits >= 1, "no digit");
        assert!(punctuation >= 1, "no punctuation");
    }
}

#[test]
fn excluded_characters_example_is_honoured() {
    let spec = PasswordSpec {
        exclude_characters: "xyzDje@?!.".into(),
        ..PasswordSpec::default()
    };
    for _ in 0..50 {
        let password = generate_password(&spec).unwrap();
        assert!(!password.chars().any(|c| "xyzDje@?!.".contains(c)));
    }
}

#[test]
fn excluded_types_are_absent() {
    let spec = PasswordSpec {
        length: 64,
        exclude_numbers: true,
        exclude_punctuation: true,
        exclude_uppercase: true,
        ..PasswordSpec::default()
    };
    let password = generate_password(&spec).unwrap();
    assert!(password.chars().all(|c| c.is_ascii_lowercase()));
}

#[test]
fn four_characters_cover_four_types() {
    let spec = PasswordSpec {
        length: 4,
        ..PasswordSpec::default()
    };
    for _ in 0..50 {
        let password = generate_password(&spec).unwrap();
        assert_eq!(counts(&password), [1, 1, 1, 1]);
    }
}

#[test]
fn too_short_for_required_types_is_rejected() {
    let spec = PasswordSpec {
        length: 3,
        ..PasswordSpec::default()
    };
    let err = generate_password(&spec).unwrap_err();
    assert_eq!(err.aws_type(), "InvalidParameterException");
    assert_eq!(
        err.to_string(),
        "Password length is too short based on the required types."
    );
}

#[test]
fn short_length_without_requirement_is_accepted() {
    let spec = PasswordSpec {
        length: 1,
        require_each_included_type: false,
        ..PasswordSpec::default()
    };
    assert_eq!(generate_password(&spec).unwrap().chars().count(), 1);
}

#[test]
fn length_limits_are_validated() {
    let too_long = PasswordSpec {
        length: 5555,
        ..PasswordSpec::default()
    };
    let err = generate_password(&too_long).unwrap_err();
    assert_eq!(err.aws_type(), "ValidationException");
    assert!(err.to_string().contains("less than or equal to 4096"));
    let zero = PasswordSpec {
        length: 0,
        ..PasswordSpec::default()
    };
    assert_eq!(
        generate_password(&zero).unwrap_err().aws_type(),
        "ValidationException"
    );
    let max = PasswordSpec {
        length: 4096,
        ..PasswordSpec::default()
    };
    assert_eq!(generate_password(&max).unwrap().chars().count(), 4096);
}

#[test]
fn include_space_can_draw_space() {
    let spec = PasswordSpec {
        length: 200,
        include_space: true,
        exclude_numbers: true,
        exclude_punctuation: true,
        exclude_uppercase: true,
        exclude_lowercase: true,
        require_each_included_type: false,
        ..PasswordSpec::default()
    };
    assert_eq!(generate_password(&spec).unwrap().as_str(), " ".repeat(200));
}

#[test]
fn everything_excluded_is_rejected() {
    let spec = PasswordSpec {
        exclude_numbers: true,
        exclude_punctuation: true,
        exclude_uppercase: true,
        exclude_lowercase: true,
        ..PasswordSpec::default()
    };
    assert_eq!(
        generate_password(&spec).unwrap_err().aws_type(),
        "InvalidParameterException"
    );
}

#[test]
fn passwords_differ() {
    let a = generate_password(&PasswordSpec::default()).unwrap();
    let b = generate_password(&PasswordSpec::default()).unwrap();
    assert_ne!(a, b);
}
