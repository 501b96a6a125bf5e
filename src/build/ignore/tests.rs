use super::*;

#[derive(Clone, Copy, PartialEq, Debug)]
enum M {
    Fail,
    Exact,
    Inexact,
}
use M::*;

fn matcher(patterns: &[&str]) -> Ignore {
    let mut ig = Ignore::none();
    for p in patterns {
        ig.patterns.push(Pattern::new(p).unwrap());
    }
    ig
}

/// moby patternmatcher `TestMatches`, single patterns.
const MATCHES: &[(&str, &str, M)] = &[
    ("**", "file", Exact),
    ("**", "file/", Exact),
    ("**/", "file", Exact),
    ("**/", "file/", Exact),
    ("**", "/", Exact),
    ("**/", "/", Exact),
    ("**", "dir/file", Exact),
    ("**/", "dir/file", Exact),
    ("**", "dir/file/", Exact),
    ("**/", "dir/file/", Exact),
    ("**/**", "dir/file", Exact),
    ("**/**", "dir/file/", Exact),
    ("dir/**", "dir/file", Exact),
    ("dir/**", "dir/file/", Exact),
    ("dir/**", "dir/dir2/file", Exact),
    ("dir/**", "dir/dir2/file/", Exact),
    ("**/dir", "dir", Exact),
    ("**/dir", "dir/file", Inexact),
    ("**/dir2/*", "dir/dir2/file", Exact),
    ("**/dir2/*", "dir/dir2/file/", Inexact),
    ("**/dir2/**", "dir/dir2/dir3/file", Exact),
    ("**/dir2/**", "dir/dir2/dir3/file/", Exact),
    ("**file", "file", Exact),
    ("**file", "dir/file", Exact),
    ("**/file", "dir/file", Exact),
    ("**file", "dir/dir/file", Exact),
    ("**/file", "dir/dir/file", Exact),
    ("**/file*", "dir/dir/file", Exact),
    ("**/file*", "dir/dir/file.txt", Exact),
    ("**/file*txt", "dir/dir/file.txt", Exact),
    ("**/file*.txt", "dir/dir/file.txt", Exact),
    ("**/file*.txt*", "dir/dir/file.txt", Exact),
    ("**/**/*.txt", "dir/dir/file.txt", Exact),
    ("**/**/*.txt2", "dir/dir/file.txt", Fail),
    ("**/*.txt", "file.txt", Exact),
    ("**/**/*.txt", "file.txt", Exact),
    ("a**/*.txt", "a/file.txt", Exact),
    ("a**/*.txt", "a/dir/file.txt", Exact),
    ("a**/*.txt", "a/dir/dir/file.txt", Exact),
    ("a/*.txt", "a/dir/file.txt", Fail),
    ("a/*.txt", "a/file.txt", Exact),
    ("a/*.txt**", "a/file.txt", Exact),
    ("a[b-d]e", "ae", Fail),
    ("a[b-d]e", "ace", Exact),
    ("a[b-d]e", "aae", Fail),
    ("a[^b-d]e", "aze", Exact),
    (".*", ".foo", Exact),
    (".*", "foo", Fail),
    ("abc.def", "abcdef", Fail),
    ("abc.def", "abc.def", Exact),
    ("abc.def", "abcZdef", Fail),
    ("abc?def", "abcZdef", Exact),
    ("abc?def", "abcdef", Fail),
    ("**/foo/bar", "foo/bar", Exact),
    ("**/foo/bar", "dir/foo/bar", Exact),
    ("**/foo/bar", "dir/dir2/foo/bar", Exact),
    ("abc/**", "abc", Fail),
    ("abc/**", "abc/def", Exact),
    ("abc/**", "abc/def/ghi", Exact),
    ("**/.foo", ".foo", Exact),
    ("**/.foo", "bar.foo", Fail),
    ("a(b)c/def", "a(b)c/def", Exact),
    ("a(b)c/def", "a(b)c/xyz", Fail),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", Exact),
    (
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        Exact,
    ),
    (
        "dist/*.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        Exact,
    ),
    ("a\\\\", "a\\", Exact),
    ("a\\*b", "a*b", Exact),
];

/// moby patternmatcher `TestMatches`, pattern lists.
const MULTI: &[(&[&str], &str, M)] = &[
    (&["**", "!util/docker/web"], "util/docker/web/foo", Fail),
    (
        &["**", "!util/docker/web", "util/docker/web/foo"],
        "util/docker/web/foo",
        Exact,
    ),
    (
        &[
            "**",
            "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        ],
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        Fail,
    ),
    (
        &["**", "!dist/*.whl"],
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        Fail,
    ),
    // The folder-exception tests of the same file.
    (&["docs", "!docs/README.md"], "docs/README.md", Fail),
    (&["docs/", "!docs/README.md"], "docs/README.md", Fail),
    (&["docs/*", "!docs/README.md"], "docs/README.md", Fail),
    (&["*.go", "!fileutils.go"], "fileutils.go", Fail),
    (&["!fileutils.go", "*.go"], "fileutils.go", Exact),
    (&["*"], "fileutils.go", Exact),
    (&["*.go"], "fileutils.go", Exact),
    (&["docs"], "docs/sub/deep/file", Exact),
    (&["docs", "!docs/sub"], "docs/sub/deep/file", Fail),
];

#[test]
fn moby_single_pattern_cases() {
    for (pattern, text, want) in MATCHES {
        let ig = matcher(&[pattern]);
        let exact = ig.patterns[0].matches(text);
        assert_eq!(
            exact,
            *want == Exact,
            "exact: pattern={pattern:?} text={text:?}"
        );
        let any = ig.matches_or_parent_matches(text);
        assert_eq!(
            any,
            *want != Fail,
            "or-parent: pattern={pattern:?} text={text:?}"
        );
    }
}

#[test]
fn moby_pattern_list_cases() {
    for (patterns, text, want) in MULTI {
        let ig = matcher(patterns);
        assert_eq!(
            ig.is_ignored(Path::new(text), false),
            *want != Fail,
            "patterns={patterns:?} text={text:?}"
        );
    }
}

/// Go's `filepath.Match` tests, as moby's `TestMatch` runs them.
const GO_MATCH: &[(&str, &str, bool, bool)] = &[
    ("abc", "abc", true, false),
    ("*", "abc", true, false),
    ("*c", "abc", true, false),
    ("a*", "a", true, false),
    ("a*", "abc", true, false),
    ("a*", "ab/c", false, false),
    ("a*/b", "abc/b", true, false),
    ("a*/b", "a/c/b", false, false),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", true, false),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false),
    ("a*b?c*x", "abxbbxdbxebxczzx", true, false),
    ("a*b?c*x", "abxbbxdbxebxczzy", false, false),
    ("ab[c]", "abc", true, false),
    ("ab[b-d]", "abc", true, false),
    ("ab[e-g]", "abc", false, false),
    ("ab[^c]", "abc", false, false),
    ("ab[^b-d]", "abc", false, false),
    ("ab[^e-g]", "abc", true, false),
    ("a\\*b", "a*b", true, false),
    ("a\\*b", "ab", false, false),
    ("a?b", "a☺b", true, false),
    ("a[^a]b", "a☺b", true, false),
    ("a???b", "a☺b", false, false),
    ("a[^a][^a][^a]b", "a☺b", false, false),
    ("[a-ζ]*", "α", true, false),
    ("*[a-ζ]", "A", false, false),
    ("a?b", "a/b", false, false),
    ("a*b", "a/b", false, false),
    ("[\\]a]", "]", true, false),
    ("[\\-]", "-", true, false),
    ("[x\\-]", "x", true, false),
    ("[x\\-]", "-", true, false),
    ("[x\\-]", "z", false, false),
    ("[\\-x]", "x", true, false),
    ("[\\-x]", "-", true, false),
    ("[\\-x]", "a", false, false),
    ("[]a]", "]", false, true),
    ("[-]", "-", false, true),
    ("[x-]", "x", false, true),
    ("[x-]", "-", false, true),
    ("[x-]", "z", false, true),
    ("[-x]", "x", false, true),
    ("[-x]", "-", false, true),
    ("[-x]", "a", false, true),
    ("\\", "a", false, true),
    ("[a-b-c]", "a", false, true),
    ("[", "a", false, true),
    ("[^", "a", false, true),
    ("[^bc", "a", false, true),
    ("a[", "a", false, true),
    ("a[", "ab", false, true),
    ("a[", "x", false, true),
    ("a/b[", "x", false, true),
    ("*x", "xxx", true, false),
];

#[test]
fn go_filepath_match_cases() {
    for (pattern, name, want, bad) in GO_MATCH {
        let got = filepath_match(pattern, name);
        if *bad {
            assert_eq!(got, Err(BadPattern), "Match({pattern:?}, {name:?})");
        } else {
            assert_eq!(got, Ok(*want), "Match({pattern:?}, {name:?})");
        }
    }
}

#[test]
fn moby_match_cases_through_the_matcher() {
    // moby's TestMatch: the same table through patternmatcher, where a
    // pattern also matches a path below what it names.
    for (pattern, name, want, bad) in GO_MATCH {
        match Pattern::new(pattern) {
            Err(_) => assert!(*bad, "pattern {pattern:?} refused"),
            Ok(p) => {
                assert!(!bad, "pattern {pattern:?} accepted");
                let ig = Ignore {
                    patterns: vec![p],
                    source: None,
                };
                let expect = *want || *pattern == "a*" && *name == "ab/c";
                assert_eq!(
                    ig.is_ignored(Path::new(name), false),
                    expect,
                    "{pattern:?} {name:?}"
                );
            }
        }
    }
}

#[test]
fn go_clean_cases() {
    let cases = [
        ("", "."),
        (".", "."),
        ("abc", "abc"),
        ("abc/", "abc"),
        ("a//b", "a/b"),
        ("a/./b", "a/b"),
        ("a/../b", "b"),
        ("../a", "../a"),
        ("a/../..", ".."),
        ("/../a", "/a"),
        ("/", "/"),
        ("//a/b/", "/a/b"),
        ("./a", "a"),
        ("!a/../b", "b"),
        ("a/b/../../../c", "../c"),
    ];
    for (input, want) in cases {
        assert_eq!(clean(input), want, "clean({input:?})");
    }
}

#[test]
fn ignore_file_lines_are_read_as_docker_does() {
    let text = "\u{feff}# comment\n\n  node_modules  \n/build/\n!build/keep.txt\n  # not a comment\n/\n!/abs/./x\n";
    let ig = Ignore::parse(text);
    let cleaned: Vec<(bool, &str)> = ig
        .patterns
        .iter()
        .map(|p| (p.exclusion, p.cleaned.as_str()))
        .collect();
    assert_eq!(
        cleaned,
        vec![
            (false, "node_modules"),
            (false, "build"),
            (true, "build/keep.txt"),
            (false, "# not a comment"),
            (false, "/"),
            (true, "abs/x"),
        ]
    );
    assert!(ig.is_ignored(Path::new("node_modules/x/y.js"), false));
    assert!(ig.is_ignored(Path::new("build"), true));
    assert!(ig.is_ignored(Path::new("build/out.o"), false));
    assert!(!ig.is_ignored(Path::new("build/keep.txt"), false));
    assert!(!ig.is_ignored(Path::new("src/main.rs"), false));
    assert!(!ig.is_ignored(Path::new("."), true));
    assert!(ig.may_include_below(Path::new("build")));
}

#[test]
fn later_patterns_win() {
    let ig = Ignore::parse("*.md\n!README*.md\nREADME-secret.md\n");
    assert!(ig.is_ignored(Path::new("CHANGES.md"), false));
    assert!(!ig.is_ignored(Path::new("README.md"), false));
    assert!(ig.is_ignored(Path::new("README-secret.md"), false));
    // `*` does not cross directories.
    assert!(!ig.is_ignored(Path::new("docs/CHANGES.md"), false));
    let none = Ignore::parse("*.md\n");
    assert!(!none.may_include_below(Path::new("x")));
}

#[test]
fn load_prefers_containerignore_and_keeps_itself() {
    let dir = tempfile::tempdir().unwrap();
    assert!(Ignore::load(dir.path(), None).unwrap().is_empty());
    fs::write(dir.path().join(".dockerignore"), "a\n").unwrap();
    let ig = Ignore::load(dir.path(), None).unwrap();
    assert!(ig.is_ignored(Path::new("a"), false));
    assert!(!ig.is_ignored(Path::new("b"), false));
    fs::write(dir.path().join(".containerignore"), "b\n.*\n").unwrap();
    let ig = Ignore::load(dir.path(), None).unwrap();
    assert!(!ig.is_ignored(Path::new("a"), false));
    assert!(ig.is_ignored(Path::new("b"), false));
    assert!(ig.is_ignored(Path::new(".dockerignore"), false));
    assert!(!ig.is_ignored(Path::new(".containerignore"), false));
    assert_eq!(
        ig.source(),
        Some(dir.path().join(".containerignore").as_path())
    );

    let other = dir.path().join("custom.ignore");
    fs::write(&other, "c\n").unwrap();
    let ig = Ignore::load(dir.path(), Some(&other)).unwrap();
    assert!(ig.is_ignored(Path::new("c"), false));
    assert!(!ig.is_ignored(Path::new("b"), false));

    let missing = dir.path().join("nope");
    let err = Ignore::load(dir.path(), Some(&missing)).unwrap_err();
    assert!(matches!(err, IgnoreError::Read { .. }), "{err}");
}

#[test]
fn bad_patterns_are_reported_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".dockerignore"), "ok\n# c\n[\n").unwrap();
    let err = Ignore::load(dir.path(), None).unwrap_err();
    assert!(
        matches!(&err, IgnoreError::Pattern { line: 3, pattern, .. } if pattern == "["),
        "{err}"
    );
    fs::write(dir.path().join(".dockerignore"), "!\n").unwrap();
    let err = Ignore::load(dir.path(), None).unwrap_err();
    assert!(
        matches!(err, IgnoreError::LoneBang { line: 1, .. }),
        "{err}"
    );
    // parse() keeps going: the bad pattern matches nothing.
    let ig = Ignore::parse("[\nx\n");
    assert!(ig.is_ignored(Path::new("x"), false));
    assert!(!ig.is_ignored(Path::new("["), false));
}

#[test]
fn keep_reincludes_a_path() {
    let mut ig = Ignore::parse("*\n");
    assert!(ig.is_ignored(Path::new("Containerfile"), false));
    ig.keep(Path::new("./Containerfile"));
    assert!(!ig.is_ignored(Path::new("Containerfile"), false));
    assert!(ig.is_ignored(Path::new("other"), false));
}

#[test]
fn walks_look_inside_ignored_dirs_only_for_exceptions_below_them() {
    let ig = Ignore::parse("docs\nsrc\n!docs/*/keep.md\n");
    assert!(ig.may_include_below(Path::new("docs")));
    assert!(ig.may_include_below(Path::new("docs/api")));
    assert!(!ig.may_include_below(Path::new("docs/api/keep.md")));
    assert!(!ig.may_include_below(Path::new("src")));
    let deep = Ignore::parse("*\n!**/keep\n");
    assert!(deep.may_include_below(Path::new("any/where")));
    assert!(!Ignore::parse("a\n").may_include_below(Path::new("a")));
}
