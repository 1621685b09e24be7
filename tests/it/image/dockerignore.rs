//! `.dockerignore` conformance: every case builds the same context on the sandbox daemon with the
//! real Docker CLI and with `platform-deploy build`, on the legacy builder (`docker build`) and on
//! BuildKit (`docker buildx build` against platform-deploy's own session and file sync), and the
//! files that end up in the images (`COPY . /ctx/`) must be identical: paths, kinds, modes, sizes,
//! contents and link targets.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::support::{SHA, image_files, platform_deploy, write_config};
use crate::support::docker;
use crate::support::names::unique;
use crate::support::output::text;
use crate::support::sandbox::docker_host;

const DOCKERFILE: &str = "FROM scratch\nCOPY . /ctx/\n";

/// The context every case starts from: nested folders, dot files, odd names, a symlink, hard links,
/// a 0700 folder and a Dockerfile in a subfolder.
fn fixture(root: &Path) {
    let files: &[(&str, &str)] = &[
        ("Dockerfile", DOCKERFILE),
        ("docker/Dockerfile", DOCKERFILE),
        ("docker/entry.sh", "#!/bin/sh\n"),
        ("README.md", "readme"),
        ("main.go", "package main"),
        ("foo.go", "package foo"),
        ("src/app.py", "app"),
        ("src/lib/util.py", "util"),
        ("src/lib/util_test.py", "test"),
        ("src/.hidden", "h"),
        ("docs/index.md", "docs"),
        ("docs/img/logo.png", "png"),
        ("node_modules/pkg/index.js", "js"),
        ("node_modules/pkg/package.json", "{}"),
        ("build/out.bin", "bin"),
        ("build/keep/this.txt", "keep"),
        ("a/b/c/deep.txt", "deep"),
        ("a/b/x.log", "log"),
        ("logs/app.log", "log"),
        ("logs/old/2020.log", "old"),
        ("tmp~", "tilde"),
        ("file with space.txt", "space"),
        ("[bracket].txt", "bracket"),
        ("star*name.txt", "star"),
        ("barfoo", "barfoo"),
        ("sub/foo", "subfoo"),
        ("foo", "foo"),
        ("dir700/secret", "secret"),
        ("dir700/keep", "kept"),
        ("hard1", "same inode"),
        (".git/HEAD", "ref: refs/heads/main"),
        (".git/objects/ab/cd", "object"),
        ("exec.sh", "#!/bin/sh\necho hi\n"),
    ];
    for (rel, content) in files {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
    }
    fs::set_permissions(root.join("exec.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(root.join("dir700"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::hard_link(root.join("hard1"), root.join("hard2")).unwrap();
    std::os::unix::fs::symlink("src", root.join("link_to_src")).unwrap();
}

/// The two builders a case is built with, each by the Docker CLI and by platform-deploy.
#[derive(Debug, Clone, Copy)]
enum Builder {
    /// `docker build` (legacy builder) and `platform-deploy build` with DOCKER_BUILDKIT=0.
    Legacy,
    /// `docker buildx build` and `platform-deploy build` on BuildKit, through its own session.
    BuildKit,
}

/// Builds the case with both builders, each both ways, and compares what the images hold.
fn conforms(name: &str, dockerignore: Option<&str>, dockerfile: &str) {
    docker_host();
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx");
    fixture(&ctx);
    if let Some(content) = dockerignore {
        fs::write(ctx.join(".dockerignore"), content).unwrap();
    }
    for builder in [Builder::Legacy, Builder::BuildKit] {
        conforms_on(builder, name, dir.path(), dockerignore, dockerfile);
    }
}

fn conforms_on(
    builder: Builder,
    name: &str,
    dir: &Path,
    dockerignore: Option<&str>,
    dockerfile: &str,
) {
    let ctx = dir.join("ctx");
    let cli_tag = unique("pd-ignore-cli-");
    let ctx_str = ctx.to_str().unwrap();
    let dockerfile_path = ctx.join(dockerfile);
    let dockerfile_str = dockerfile_path.to_str().unwrap();
    // No layer cache on either side: parallel cases build identical layers and remove their
    // images, and the legacy builder fails when a cache hit is removed under it.
    let (mut cli, env): (std::process::Command, &[(&str, &str)]) = match builder {
        Builder::Legacy => {
            let mut cmd = docker::command();
            cmd.args(["build", "--no-cache", "-q"]);
            (cmd, &[("DOCKER_BUILDKIT", "0")])
        }
        Builder::BuildKit => {
            let mut cmd = docker::buildx();
            cmd.args(["build", "--no-cache", "--load", "-q"]);
            (cmd, &[])
        }
    };
    cli.args(["-t", &cli_tag, "-f", dockerfile_str, ctx_str]);
    crate::support::process::run_ok(&mut cli, &format!("{builder:?} docker build of {name}"));

    let repository = unique("pd-ignore/case-");
    let config = write_config(dir, &repository, "ctx", dockerfile, "");
    let out = platform_deploy(&config, &["build", "--no-cache", "--git-sha", SHA], env);
    assert!(
        out.status.success(),
        "{name} ({builder:?}): platform-deploy build failed\n{}",
        text(&out)
    );
    let ours = format!("{repository}:{SHA}");

    let expected = image_files(&cli_tag, "ctx/");
    let actual = image_files(&ours, "ctx/");
    docker::run(&["rmi", "-f", &cli_tag, &ours]);
    if expected != actual {
        let mut diff = String::new();
        for (path, detail) in &expected {
            match actual.get(path) {
                None => diff.push_str(&format!("  missing: {path} ({detail})\n")),
                Some(d) if d != detail => {
                    diff.push_str(&format!("  differs: {path}: docker {detail}, ours {d}\n"))
                }
                _ => {}
            }
        }
        for (path, detail) in &actual {
            if !expected.contains_key(path) {
                diff.push_str(&format!("  extra:   {path} ({detail})\n"));
            }
        }
        panic!(
            "{name} ({builder:?}): the image differs from the Docker CLI's with .dockerignore {dockerignore:?}\n{diff}"
        );
    }
    assert!(
        !expected.is_empty() || dockerignore.is_some(),
        "{name}: the baseline image holds no files"
    );
}

macro_rules! cases {
    ($($name:ident: $ignore:expr, $dockerfile:expr;)*) => {
        $(
            #[test]
            fn $name() {
                conforms(stringify!($name), $ignore, $dockerfile);
            }
        )*
        /// The table must stay at least this large.
        #[test]
        fn the_table_has_at_least_30_cases() {
            let names = [$(stringify!($name)),*];
            assert!(names.len() >= 30, "{} cases", names.len());
        }
    };
}

cases! {
    no_dockerignore: None, "Dockerfile";
    empty_file: Some(""), "Dockerfile";
    star_extension_at_root_only: Some("*.md\n"), "Dockerfile";
    double_star_extension_everywhere: Some("**/*.md\n"), "Dockerfile";
    one_level_down: Some("*/*.py\n"), "Dockerfile";
    exclusion_after_double_star: Some("**/*.py\n!src/lib/util.py\n"), "Dockerfile";
    folder_by_name: Some("node_modules\n"), "Dockerfile";
    leading_slash_is_relative: Some("/node_modules\n"), "Dockerfile";
    reinclude_file_in_ignored_folder: Some("build\n!build/keep/this.txt\n"), "Dockerfile";
    reinclude_folder_after_contents: Some("build/**\n!build/keep\n"), "Dockerfile";
    logs_anywhere: Some("**/*.log\n"), "Dockerfile";
    folder_contents_with_subfolder_back: Some("logs/*\n!logs/old\n"), "Dockerfile";
    everything_but_one_folder: Some("*\n!src\n"), "Dockerfile";
    everything_but_a_glob_in_a_subfolder: Some("*\n!src/lib/*.py\n"), "Dockerfile";
    double_star_everything_but_docs: Some("**\n!docs/**\n"), "Dockerfile";
    ignoring_the_build_files_still_sends_them: Some("Dockerfile\n.dockerignore\n"), "Dockerfile";
    comments_blank_lines_and_whitespace: Some("# comment\n   *.go   \n\n\t\n"), "Dockerfile";
    order_matters_exclusion_first: Some("!README.md\n*.md\n"), "Dockerfile";
    order_matters_last_wins: Some("*.md\n!README.md\nREADME*\n"), "Dockerfile";
    double_star_in_the_middle: Some("a/**/deep.txt\n"), "Dockerfile";
    nested_folder_path: Some("a/b\n"), "Dockerfile";
    question_mark: Some("?oo.go\n"), "Dockerfile";
    character_range: Some("[a-f]*.go\n"), "Dockerfile";
    negated_class_and_literal_bang: Some("[^m]ain.go\n[!f]oo.go\n"), "Dockerfile";
    escaped_star: Some("star\\*name.txt\n"), "Dockerfile";
    escaped_brackets: Some("\\[bracket\\].txt\n"), "Dockerfile";
    name_with_spaces: Some("file with space.txt\n"), "Dockerfile";
    dot_git: Some(".git\n"), "Dockerfile";
    hidden_file_anywhere: Some("**/.hidden\n"), "Dockerfile";
    patterns_are_cleaned: Some("./src/../docs\n"), "Dockerfile";
    reincluded_child_of_private_folder: Some("dir700\n!dir700/keep\n"), "Dockerfile";
    double_star_suffix_without_slash: Some("**foo\n"), "Dockerfile";
    double_star_slash_name: Some("**/foo\n"), "Dockerfile";
    trailing_double_star: Some("sub/**\n"), "Dockerfile";
    question_and_tilde: Some("tmp?\n*~\n"), "Dockerfile";
    symlink_itself: Some("link_to_src\n"), "Dockerfile";
    folder_back_and_glob_out_again: Some("src\n!src/lib\nsrc/lib/*_test.py\n"), "Dockerfile";
    star_slash_folder: Some("*/lib\n"), "Dockerfile";
    exclusion_that_cannot_reach_into_folder: Some("**/lib/**\n!**/util.py\n"), "Dockerfile";
    one_side_of_a_hard_link: Some("hard1\n"), "Dockerfile";
    bom_and_crlf: Some("\u{feff}*.md\r\n!docs/index.md\r\n"), "Dockerfile";
    trailing_slash: Some("docs/img/\n"), "Dockerfile";
    outside_and_root_patterns_match_nothing: Some("../foo\n/\n"), "Dockerfile";
    dockerfile_in_an_ignored_folder: Some("docker\n"), "docker/Dockerfile";
    everything_with_dockerfile_in_subfolder: Some("*\n"), "docker/Dockerfile";
    exclusion_of_a_parent_folder_text: Some("src/lib\n!src\n"), "Dockerfile";
}
