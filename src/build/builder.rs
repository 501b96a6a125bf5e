//! The executor: a parsed Containerfile's stages, step by step, each step a
//! cached change of the stage's config and, for `RUN`, `COPY` and `ADD`, a new
//! layer; the target stage becomes the image.
//!
//! Output has podman's shape on stdout (`STEP 2/5: RUN …`, `--> Using cache
//! <id>`, `--> <short id>`, `COMMIT name`, `Successfully tagged …`, the full
//! id last); `-q` prints only the id. A failing step stops the build before
//! anything is tagged; its scratch directory (upper dir, bundle) goes with it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context as _, Result};
use nix::sched::CloneFlags;

use super::cache::{Cache, Key};
use super::instruction::{ArgDecl, Command, Containerfile, CopySpec, Instruction, Kind, Stage};
use super::layer;
use super::run::{self as run_step, RunStep};
use super::stage::{StageState, PROXY_ARGS};
use super::{copy, ignore, parse, words};
use crate::base::digest::Digest;
use crate::base::paths::Paths;
use crate::base::timestamp::Timestamp;
use crate::image::compression::LayerCompression;
use crate::image::ensure::{ensure, EnsureError, PullPolicy};
use crate::image::local::new_image;
use crate::image::manifest::Platform;
use crate::image::oci_config::ImageConfig;
use crate::image::pull::PullOptions;
use crate::network::NetworkMode;
use crate::rootfs::overlay::Overlay;
use crate::store::images::ImageRecord;
use crate::store::{Lease, Store};
use crate::userns::{self, IdMap};

/// Everything a build needs besides the store.
pub struct BuildOptions {
    /// The build context directory (absolute).
    pub context: PathBuf,
    pub file: Containerfile,
    /// Full names for the image.
    pub tags: Vec<String>,
    /// The first name as the user gave it (what `COMMIT` shows).
    pub commit_name: String,
    pub build_args: BTreeMap<String, String>,
    pub target: Option<String>,
    pub labels: Vec<(String, String)>,
    pub no_cache: bool,
    pub pull: PullPolicy,
    pub quiet: bool,
    pub layers: bool,
    pub compression: LayerCompression,
    pub network: NetworkMode,
    /// `--ignorefile`, else `.containerignore`/`.dockerignore` in the context.
    pub ignorefile: Option<PathBuf>,
    pub pull_options: PullOptions,
    pub dns_servers: Vec<String>,
    /// The host's proxy variables, given to RUN steps (`--http-proxy`) unless
    /// a `--build-arg` sets them; never part of the image or the cache key.
    pub proxy_env: Vec<(String, String)>,
    /// The manifest format of the image.
    pub format: crate::image::manifest::Format,
}

/// What a finished stage leaves for later ones (`FROM stage`, `COPY --from`).
#[derive(Clone)]
struct Done {
    state: StageState,
}

/// One build.
pub struct Builder<'a> {
    paths: &'a Paths,
    store: &'a Store,
    opts: &'a BuildOptions,
    map: IdMap,
    lease: Lease,
    cache: Cache<'a>,
    ignore: ignore::Ignore,
    done: Vec<Option<Done>>,
    /// Build args some ARG used.
    consumed: BTreeSet<String>,
    /// The values of the ARGs declared before the first FROM.
    global: Vec<(String, Option<String>)>,
    /// Digests of the context's files from earlier builds (saved at the end).
    hashes: Arc<copy::HashCache>,
}

/// Where a step's changes are made: a locked scratch dir in the store's `tmp/`
/// (removed with everything in it when dropped, also after a failure).
struct Scratch {
    staging: crate::store::layers::Staging,
}

impl Scratch {
    fn new(store: &Store) -> Result<Scratch> {
        let staging = store.layers().stage()?;
        for d in ["upper", "work", "merged", "empty", "from"] {
            fs::create_dir(staging.path().join(d))
                .with_context(|| format!("creating {}", staging.path().join(d).display()))?;
        }
        Ok(Scratch { staging })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.staging.path().join(name)
    }
}

impl<'a> Builder<'a> {
    pub fn new(paths: &'a Paths, store: &'a Store, opts: &'a BuildOptions) -> Result<Builder<'a>> {
        let ignore = ignore::Ignore::load(&opts.context, opts.ignorefile.as_deref())?;
        Ok(Builder {
            paths,
            store,
            opts,
            map: IdMap::for_current_user(),
            lease: store.lease()?,
            cache: Cache::new(store),
            ignore,
            done: vec![None; opts.file.stages.len()],
            consumed: BTreeSet::new(),
            global: Vec::new(),
            hashes: Arc::new(copy::HashCache::load(&hash_file(store, &opts.context))),
        })
    }

    fn say(&self, line: &str) {
        if !self.opts.quiet {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }

    /// Runs the build; returns the stored image.
    pub fn build(mut self) -> Result<ImageRecord> {
        let file = &self.opts.file;
        if file.stages.is_empty() {
            bail!(
                "{}: no FROM instruction: a Containerfile must start a stage with FROM",
                file.name
            );
        }
        self.global = self.resolve_global_args(&file.global_args)?;
        let last = match &self.opts.target {
            Some(t) => file
                .stage_named(t, file.stages.len())
                .map(|s| s.index)
                .ok_or_else(|| anyhow!("target stage {t:?} not found in {}", file.name))?,
            None => file.stages.len() - 1,
        };
        let count = last + 1;
        let needed = self.needed_stages(last);
        for i in (0..count).filter(|i| needed[*i]) {
            let stage = &file.stages[i];
            let final_stage = i == last;
            let state = self.build_stage(stage, i, count, final_stage)?;
            self.done[i] = Some(Done { state });
        }
        let unused: Vec<&String> = self
            .opts
            .build_args
            .keys()
            .filter(|k| !self.consumed.contains(*k) && !PROXY_ARGS.contains(&k.as_str()))
            .collect();
        if !unused.is_empty() && !self.opts.quiet {
            eprintln!(
                "[Warning] one or more build args were not consumed: [{}]",
                unused
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        let mut state = self.done[last]
            .take()
            .map(|d| d.state)
            .ok_or_else(|| anyhow!("the target stage was not built"))?;
        if !self.opts.labels.is_empty() {
            state.set_labels(&self.opts.labels);
        }
        let image = self.commit(&state)?;
        if let Err(e) = self.hashes.save() {
            log::debug!("saving the context's file digests: {e}");
        }
        Ok(image)
    }

    /// The stages the target depends on (through `FROM stage` or `COPY
    /// --from=stage`); the others are skipped. A `--from` word with a variable
    /// in it could name any earlier stage: those are all kept.
    fn needed_stages(&self, last: usize) -> Vec<bool> {
        let file = &self.opts.file;
        let mut need = vec![false; file.stages.len()];
        need[last] = true;
        let lookup = |n: &str| self.global_value(n);
        for i in (0..=last).rev() {
            if !need[i] {
                continue;
            }
            let stage = &file.stages[i];
            let base = words::expand(&stage.base, file.escape, &lookup)
                .unwrap_or_else(|_| stage.base.clone());
            if let Some(s) = file.stage_named(base.trim(), i) {
                need[s.index] = true;
            }
            for ins in &stage.instructions {
                let from = match &ins.kind {
                    Kind::Copy(spec) | Kind::Add(spec) => spec.from.as_deref(),
                    _ => None,
                };
                match from {
                    Some(f) if f.contains('$') => need[..i].iter_mut().for_each(|n| *n = true),
                    Some(f) => {
                        if let Some(s) = file.stage_named(f, i) {
                            need[s.index] = true;
                        }
                    }
                    None => {}
                }
            }
        }
        need
    }

    /// Global ARGs: `--build-arg` wins over the default; defaults may use earlier ones.
    fn resolve_global_args(&mut self, decls: &[ArgDecl]) -> Result<Vec<(String, Option<String>)>> {
        let mut out: Vec<(String, Option<String>)> = Vec::new();
        for d in decls {
            let value =
                match self.opts.build_args.get(&d.name) {
                    Some(v) => {
                        self.consumed.insert(d.name.clone());
                        Some(v.clone())
                    }
                    None => match &d.default {
                        Some(raw) => {
                            let lookup = |n: &str| {
                                out.iter()
                                    .rev()
                                    .find(|(k, _)| k == n)
                                    .map(|(_, v)| v.clone().unwrap_or_default())
                            };
                            Some(words::expand(raw, self.opts.file.escape, &lookup).map_err(
                                |e| anyhow!("{}: ARG {}: {e}", self.opts.file.name, d.name),
                            )?)
                        }
                        None => None,
                    },
                };
            out.push((d.name.clone(), value));
        }
        Ok(out)
    }

    fn global_value(&self, name: &str) -> Option<String> {
        self.global
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone().unwrap_or_default())
            .or_else(|| automatic_arg(name))
    }

    fn build_stage(
        &mut self,
        stage: &Stage,
        index: usize,
        count: usize,
        final_stage: bool,
    ) -> Result<StageState> {
        let prefix = if count > 1 {
            format!("[{}/{}] ", index + 1, count)
        } else {
            String::new()
        };
        let total = stage.instructions.len() + 1;
        self.say(&format!("{prefix}STEP 1/{total}: {}", stage.text));
        let (mut state, triggers) = self.base(stage)?;
        for trigger in &triggers {
            let ins = parse::parse_trigger(trigger, &format!("the base of {}", stage.text))?;
            self.say(&format!("--> ONBUILD {}", ins.text));
            self.step(&mut state, &ins, index)?;
        }
        for (n, ins) in stage.instructions.iter().enumerate() {
            let last = n + 1 == stage.instructions.len();
            self.say(&format!("{prefix}STEP {}/{total}: {}", n + 2, ins.text));
            let hit = self.step(&mut state, ins, index)?;
            if last && final_stage {
                if let Some(id) = hit {
                    self.say(&format!("--> Using cache {}", id.hex()));
                }
            } else {
                if let Some(id) = hit {
                    self.say(&format!("--> Using cache {}", id.hex()));
                }
                self.say(&format!("--> {}", state.id().short()));
            }
        }
        Ok(state)
    }

    /// The stage's starting point: scratch, an earlier stage, or an image.
    fn base(&mut self, stage: &Stage) -> Result<(StageState, Vec<String>)> {
        let lookup = |n: &str| self.global_value(n);
        let name = words::expand(&stage.base, self.opts.file.escape, &lookup).map_err(|e| {
            anyhow!(
                "{}:{}: FROM {}: {e}",
                self.opts.file.name,
                stage.line,
                stage.base
            )
        })?;
        let name = name.trim().to_string();
        if name.is_empty() {
            bail!(
                "{}:{}: FROM {:?} names no image once its ARGs are substituted: give the ARG a default or pass --build-arg",
                self.opts.file.name,
                stage.line,
                stage.base
            );
        }
        if name.eq_ignore_ascii_case("scratch") {
            return Ok((
                StageState::scratch(&self.opts.pull_options.platform.architecture),
                Vec::new(),
            ));
        }
        if let Some(earlier) = self.opts.file.stage_named(&name, stage.index) {
            let done = self.done[earlier.index]
                .as_ref()
                .ok_or_else(|| anyhow!("stage {name} was not built"))?;
            return Ok(StageState::from_base(done.state.config.clone()));
        }
        let platform = match &stage.platform {
            Some(raw) => {
                let p = words::expand(raw, self.opts.file.escape, &lookup).map_err(|e| {
                    anyhow!(
                        "{}:{}: FROM --platform={raw}: {e}",
                        self.opts.file.name,
                        stage.line
                    )
                })?;
                Some(Platform::parse(&p).map_err(|e| {
                    anyhow!(
                        "{}:{}: FROM --platform={p}: {e}",
                        self.opts.file.name,
                        stage.line
                    )
                })?)
            }
            None => None,
        };
        let config = self.image_config(&name, stage, platform)?;
        Ok(StageState::from_base(config))
    }

    /// The config of image `name`, pulled as `--pull` says.
    fn image_config(
        &mut self,
        name: &str,
        stage: &Stage,
        platform: Option<Platform>,
    ) -> Result<ImageConfig> {
        let mut popts = self.opts.pull_options.clone();
        popts.quiet = popts.quiet || self.opts.quiet;
        if let Some(p) = platform {
            popts.platform = p;
        }
        let rec = match ensure(
            self.paths,
            self.store,
            name,
            self.opts.pull,
            &self.map,
            || Ok(popts),
        ) {
            Ok(rec) => rec,
            Err(EnsureError::NeverPull { .. }) => bail!(
                "{}:{}: image {name} is not in local storage and --pull=never forbids pulling it",
                self.opts.file.name,
                stage.line
            ),
            Err(EnsureError::Pull(e)) => {
                return Err(e.context(format!(
                    "{}:{}: pulling {name}",
                    self.opts.file.name, stage.line
                )))
            }
            Err(e) => return Err(e.into()),
        };
        for d in &rec.layers {
            if self.store.layers().hold(&self.lease, d)?.is_none() {
                bail!("layer {d} of image {name} is missing from the store: pull the image again");
            }
        }
        let bytes = self.store.read()?.config(&rec.id)?;
        ImageConfig::parse(&bytes).with_context(|| format!("reading the config of image {name}"))
    }

    fn expand(&self, state: &StageState, ins: &Instruction, word: &str) -> Result<String> {
        let lookup = |n: &str| state.lookup(n);
        words::expand(word, self.opts.file.escape, &lookup)
            .map_err(|e| anyhow!("{}:{}: {}: {e}", self.opts.file.name, ins.line, ins.text))
    }

    fn expand_all(
        &self,
        state: &StageState,
        ins: &Instruction,
        list: &[String],
    ) -> Result<Vec<String>> {
        list.iter().map(|w| self.expand(state, ins, w)).collect()
    }

    /// Runs one instruction (or takes its result from the cache: then returns
    /// the cached step's id).
    fn step(
        &mut self,
        state: &mut StageState,
        ins: &Instruction,
        stage: usize,
    ) -> Result<Option<Digest>> {
        let mut key = Key::new(&state.id());
        key.add(&ins.text);
        let use_cache = self.opts.layers && !self.opts.no_cache;
        let plan = self.prepare(state, ins, stage, &mut key)?;
        if !matches!(plan, Prepared::Config { .. }) {
            // The layer's blob, which the manifest names, depends on it.
            key.add(self.opts.compression.media_type());
        }
        let key = key.digest();
        if use_cache {
            if let Some(config) = self.cache.get(&key, &self.lease)? {
                state.config = config;
                if let Kind::Cmd(_) = ins.kind {
                    state.cmd_set = true;
                }
                if let Kind::Arg(_) = ins.kind {
                    // ARG values live outside the config: set them again.
                    self.apply_config(state, ins, &plan)?;
                }
                return Ok(Some(state.id()));
            }
        }
        let now = Timestamp::now();
        let (created_by, layer) = match &plan {
            Prepared::Run {
                argv,
                env,
                created_by,
            } => {
                let layer = self.run(state, ins, argv, env)?;
                (created_by.clone(), Some(layer))
            }
            Prepared::Copy { created_by, .. } => {
                let layer = self.copy(state, ins, &plan)?;
                (created_by.clone(), Some(layer))
            }
            Prepared::Config { created_by, .. } => {
                self.apply_config(state, ins, &plan)?;
                (created_by.clone(), None)
            }
        };
        state.record(created_by, layer, &now);
        if self.opts.layers {
            self.cache.put(&key, &state.bytes())?;
        }
        Ok(None)
    }

    /// Expands what the instruction needs and adds what its result depends on
    /// to the cache key.
    fn prepare(
        &mut self,
        state: &StageState,
        ins: &Instruction,
        stage: usize,
        key: &mut Key,
    ) -> Result<Prepared> {
        let nop = |text: &str| format!("/bin/sh -c #(nop) {text}");
        Ok(match &ins.kind {
            Kind::Run(run) => {
                let argv = run_argv(state, &run.command, &run.heredocs);
                let args = state.run_args();
                let mut env: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                for p in PROXY_ARGS {
                    let host = self
                        .opts
                        .proxy_env
                        .iter()
                        .find(|(k, _)| k == p)
                        .map(|(_, v)| v);
                    if let Some(v) = self.opts.build_args.get(p).or(host) {
                        env.push(format!("{p}={v}"));
                    }
                }
                let mut created_by = match &run.command {
                    Command::Shell(_) => argv.join(" "),
                    Command::Exec(list) => {
                        format!("/bin/sh -c #(nop) RUN {}", serde_json::to_string(list)?)
                    }
                };
                if !args.is_empty() {
                    let shown: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    created_by = format!("|{} {} {created_by}", args.len(), shown.join(" "));
                }
                for a in &argv {
                    key.add(a);
                }
                for e in &env[..args.len()] {
                    key.add(e);
                }
                if let Some(n) = &run.network {
                    key.add(n);
                }
                Prepared::Run {
                    argv,
                    env,
                    created_by,
                }
            }
            Kind::Copy(spec) | Kind::Add(spec) => {
                let add = matches!(ins.kind, Kind::Add(_));
                self.prepare_copy(state, ins, spec, add, stage, key)?
            }
            Kind::Arg(decls) => {
                let mut values = Vec::new();
                for d in decls {
                    let value = match self.opts.build_args.get(&d.name) {
                        Some(v) => {
                            self.consumed.insert(d.name.clone());
                            Some(v.clone())
                        }
                        None => match &d.default {
                            Some(raw) => Some(self.expand(state, ins, raw)?),
                            None => self
                                .global
                                .iter()
                                .rev()
                                .find(|(k, _)| k == &d.name)
                                .and_then(|(_, v)| v.clone())
                                .or_else(|| automatic_arg(&d.name)),
                        },
                    };
                    key.add(&d.name).add(value.as_deref().unwrap_or("\0unset"));
                    values.push((d.name.clone(), value));
                }
                let names: Vec<&str> = decls.iter().map(|d| d.name.as_str()).collect();
                Prepared::Config {
                    created_by: nop(&format!("ARG {}", names.join(" "))),
                    values: Values::Args(values),
                }
            }
            _ => {
                let values = self.config_values(state, ins)?;
                key.add(&format!("{values:?}"));
                Prepared::Config {
                    created_by: nop(&ins.text),
                    values,
                }
            }
        })
    }

    /// The expanded words of a config-only instruction.
    fn config_values(&self, state: &StageState, ins: &Instruction) -> Result<Values> {
        Ok(match &ins.kind {
            Kind::Env(pairs) | Kind::Label(pairs) => {
                let mut out = Vec::new();
                for (k, v) in pairs {
                    let k = if matches!(ins.kind, Kind::Label(_)) {
                        self.expand(state, ins, k)?
                    } else {
                        k.clone()
                    };
                    out.push((k, self.expand(state, ins, v)?));
                }
                Values::Pairs(out)
            }
            Kind::Workdir(w) | Kind::User(w) | Kind::StopSignal(w) => {
                Values::Word(self.expand(state, ins, w)?)
            }
            Kind::Expose(list) | Kind::Volume(list) => {
                let mut out = Vec::new();
                for w in self.expand_all(state, ins, list)? {
                    out.extend(w.split_whitespace().map(str::to_string));
                }
                Values::Words(out)
            }
            _ => Values::None,
        })
    }

    fn apply_config(
        &mut self,
        state: &mut StageState,
        ins: &Instruction,
        plan: &Prepared,
    ) -> Result<()> {
        let Prepared::Config { values, .. } = plan else {
            return Ok(());
        };
        let at = || format!("{}:{}: {}", self.opts.file.name, ins.line, ins.text);
        match (&ins.kind, values) {
            (Kind::Arg(_), Values::Args(vals)) => {
                for (k, v) in vals {
                    state.args.retain(|(n, _)| n != k);
                    state.args.push((k.clone(), v.clone()));
                }
            }
            (Kind::Env(_), Values::Pairs(p)) => state.set_env(p),
            (Kind::Label(_), Values::Pairs(p)) => state.set_labels(p),
            (Kind::Workdir(_), Values::Word(w)) => state.set_workdir(w),
            (Kind::User(_), Values::Word(w)) => {
                if w.is_empty() {
                    bail!("{}: USER needs a user name or id", at());
                }
                state.set_string("User", w)
            }
            (Kind::StopSignal(_), Values::Word(w)) => state.set_string("StopSignal", w),
            (Kind::Expose(_), Values::Words(w)) => {
                state.add_ports(w).map_err(|e| anyhow!("{}: {e}", at()))?
            }
            (Kind::Volume(_), Values::Words(w)) => state.add_volumes(w),
            (Kind::Cmd(c), _) => state.set_command("Cmd", c),
            (Kind::Entrypoint(c), _) => state.set_command("Entrypoint", c),
            (Kind::Shell(s), _) => state.set_shell(s),
            (Kind::Healthcheck(h), _) => state
                .set_healthcheck(h)
                .map_err(|e| anyhow!("{}: {e}", at()))?,
            (Kind::Onbuild(t), _) => state.add_onbuild(t),
            (Kind::Maintainer(m), _) => state.config.author = Some(m.clone()),
            _ => {}
        }
        Ok(())
    }

    /// The stage's layer directories, base first (an empty dir for none).
    fn lowers(&self, state: &StageState, scratch: &Scratch) -> Vec<PathBuf> {
        if state.config.rootfs.diff_ids.is_empty() {
            return vec![scratch.path("empty")];
        }
        let layers = self.store.layers();
        state
            .config
            .rootfs
            .diff_ids
            .iter()
            .map(|d| layers.path(d))
            .collect()
    }

    fn run(
        &mut self,
        state: &StageState,
        ins: &Instruction,
        argv: &[String],
        env: &[String],
    ) -> Result<Digest> {
        let scratch = Scratch::new(self.store)?;
        let image = state.config.runtime_config().with_context(|| {
            format!(
                "{}:{}: the stage's image config is not valid",
                self.opts.file.name, ins.line
            )
        })?;
        let network = match &ins.kind {
            Kind::Run(r) => match r.network.as_deref() {
                Some("none") => NetworkMode::None,
                Some("host") => NetworkMode::Host,
                _ => self.opts.network.clone(),
            },
            _ => self.opts.network.clone(),
        };
        let step = RunStep {
            argv: argv.to_vec(),
            env: env.to_vec(),
            workdir: state.workdir(),
            user: state.user(),
            network,
            dns_servers: &self.opts.dns_servers,
            lowers: self.lowers(state, &scratch),
            upper: scratch.path("upper"),
            work: scratch.path("work"),
            runroot: self.paths.runroot.clone(),
            image: Some(image),
            quiet: self.opts.quiet,
        };
        let code = run_step::run(&step, &self.map)
            .with_context(|| format!("building at STEP \"{}\"", ins.text))?;
        if code != 0 {
            return Err(crate::error::exit_error(
                code,
                format!(
                    "building at STEP \"{}\": while running runtime: exit status {code}",
                    ins.text
                ),
            ));
        }
        let made = layer::commit_dir(
            self.store,
            &self.lease,
            &self.map,
            &scratch.path("upper"),
            self.opts.compression,
        )?;
        Ok(made.diff_id)
    }

    /// Stores the final config as an image with the tags.
    fn commit(&mut self, state: &StageState) -> Result<ImageRecord> {
        self.say(format!("COMMIT {}", self.opts.commit_name).trim_end());
        let config = state.bytes();
        let manifest = super::image::manifest(
            &*self.store.read()?,
            &config,
            &state.config.rootfs.diff_ids,
            self.opts.format,
        )?;
        let rec = self
            .store
            .add_image(new_image(&config, &manifest, &self.opts.tags)?)?;
        self.say(&format!("--> {}", rec.id.short()));
        for t in &self.opts.tags {
            self.say(&format!("Successfully tagged {t}"));
        }
        Ok(rec)
    }
}

/// Where the digests of a context's files are remembered: one file per
/// context directory, beside the step cache.
fn hash_file(store: &Store, context: &Path) -> PathBuf {
    let key = Digest::of(context.as_os_str().as_encoded_bytes());
    let dir = store.dir().join("build-cache");
    let _ = fs::create_dir_all(&dir);
    dir.join(format!("context-{}.json", &key.hex()[..16]))
}

/// The ARGs Docker defines for every build (`TARGETPLATFORM`, `BUILDARCH`, …):
/// this host's platform, as rpod builds only for it.
fn automatic_arg(name: &str) -> Option<String> {
    let host = Platform::host();
    let value = match name
        .strip_prefix("TARGET")
        .or_else(|| name.strip_prefix("BUILD"))?
    {
        "PLATFORM" => host.to_string(),
        "OS" => host.os,
        "ARCH" => host.architecture,
        "VARIANT" => host.variant.unwrap_or_default(),
        _ => return None,
    };
    Some(value)
}

/// A step's expanded form.
enum Prepared {
    Run {
        argv: Vec<String>,
        env: Vec<String>,
        created_by: String,
    },
    Copy {
        created_by: String,
        source: CopySource,
        request: Box<copy::CopyRequest>,
    },
    Config {
        created_by: String,
        values: Values,
    },
}

/// Where a COPY reads from.
enum CopySource {
    /// The build context: planned on the host.
    Context(copy::CopyPlan),
    /// An earlier stage's or an image's root filesystem: its layers.
    Layers(Vec<PathBuf>),
}

#[derive(Debug)]
enum Values {
    None,
    Word(String),
    Words(Vec<String>),
    Pairs(Vec<(String, String)>),
    Args(Vec<(String, Option<String>)>),
}

/// The argv of a `RUN`: here-documents travel with a shell-form command as the
/// shell reads them; a command that is only a here-document runs its body as a script.
fn run_argv(
    state: &StageState,
    cmd: &Command,
    heredocs: &[super::instruction::Heredoc],
) -> Vec<String> {
    match cmd {
        Command::Shell(text) if !heredocs.is_empty() => {
            let trimmed = text.trim();
            if heredocs.len() == 1
                && trimmed.starts_with("<<")
                && !trimmed.contains(char::is_whitespace)
            {
                return state.argv(&Command::Shell(heredocs[0].body.clone()));
            }
            let mut script = text.clone();
            script.push('\n');
            for h in heredocs {
                script.push_str(&h.body);
                if !h.body.ends_with('\n') {
                    script.push('\n');
                }
                script.push_str(&h.name);
                script.push('\n');
            }
            state.argv(&Command::Shell(script))
        }
        other => state.argv(other),
    }
}

/// Mounts an overlay of `lowers` (base first) with `upper`/`work` at `target`.
fn mount_overlay(lowers: &[PathBuf], upper: &Path, work: &Path, target: &Path) -> Result<()> {
    Overlay::new(lowers, upper, work)
        .and_then(|o| o.mount(target))
        .with_context(|| {
            format!(
                "mounting the step's root filesystem at {}",
                target.display()
            )
        })
}

/// Mounts the read-only view of `lowers` at `target` (a bind for a single layer).
fn mount_readonly(lowers: &[PathBuf], target: &Path) -> Result<()> {
    use nix::mount::{mount, MsFlags};
    if lowers.is_empty() {
        return Ok(());
    }
    let overlay = Overlay::read_only(lowers)?;
    match overlay.lowers() {
        // Overlayfs without an upper layer wants two lower ones.
        [one] => mount(
            Some(one.as_path()),
            target,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .with_context(|| format!("binding {}", one.display())),
        _ => overlay
            .mount(target)
            .context("mounting the source stage's root filesystem"),
    }
}

impl Builder<'_> {
    fn prepare_copy(
        &mut self,
        state: &StageState,
        ins: &Instruction,
        spec: &CopySpec,
        add: bool,
        stage: usize,
        key: &mut Key,
    ) -> Result<Prepared> {
        let sources = self.expand_all(state, ins, &spec.sources)?;
        let dest = self.expand(state, ins, &spec.dest)?;
        let chown = spec
            .chown
            .as_ref()
            .map(|c| self.expand(state, ins, c))
            .transpose()?;
        let chmod = spec
            .chmod
            .as_ref()
            .map(|c| self.expand(state, ins, c))
            .transpose()?;
        let from = spec
            .from
            .as_ref()
            .map(|f| self.expand(state, ins, f))
            .transpose()?;
        let verb = if add { "ADD" } else { "COPY" };
        let at = |e: &dyn std::fmt::Display| {
            anyhow!("{}:{}: {}: {e}", self.opts.file.name, ins.line, ins.text)
        };
        let chmod = chmod
            .map(|c| copy::parse_chmod(&c))
            .transpose()
            .map_err(|e| at(&e))?;
        let mut heredocs = Vec::new();
        for h in &spec.heredocs {
            let body = if h.expand {
                let lookup = |n: &str| state.lookup(n);
                words::expand_heredoc(&h.body, &lookup).map_err(|e| at(&e))?
            } else {
                h.body.clone()
            };
            heredocs.push((h.name.clone(), body.into_bytes()));
        }
        let request = copy::CopyRequest {
            source: copy::SourceRoot::Context {
                dir: self.opts.context.clone(),
                ignore: self.ignore.clone(),
            },
            sources,
            dest,
            workdir: state.workdir(),
            chown,
            chmod,
            add,
            heredocs,
            temp_dir: None,
            checksum: spec
                .checksum
                .as_deref()
                .map(|c| self.expand(state, ins, c))
                .transpose()?,
            hashes: Some(self.hashes.clone()),
        };
        let source = match from {
            None => {
                let plan = copy::plan(&request).map_err(|e| at(&e))?;
                let digest = plan.digest();
                key.add(digest.hex());
                CopySource::Context(plan)
            }
            Some(name) => {
                let (id, layers) = match self.opts.file.stage_named(&name, stage) {
                    Some(s) => {
                        let done = self.done[s.index]
                            .as_ref()
                            .ok_or_else(|| at(&format!("stage {name} was not built")))?;
                        (done.state.id(), done.state.config.rootfs.diff_ids.clone())
                    }
                    None => {
                        let st = Stage {
                            index: stage,
                            name: None,
                            base: name.clone(),
                            platform: None,
                            line: ins.line,
                            text: ins.text.clone(),
                            instructions: Vec::new(),
                        };
                        let config = self.image_config(&name, &st, None)?;
                        (
                            Digest::of(&serde_json::to_vec(&config)?),
                            config.rootfs.diff_ids,
                        )
                    }
                };
                key.add(id.hex());
                let store_layers = self.store.layers();
                CopySource::Layers(layers.iter().map(|d| store_layers.path(d)).collect())
            }
        };
        let created_by = format!(
            "/bin/sh -c #(nop) {verb} {}",
            ins.text
                .split_once(char::is_whitespace)
                .map_or("", |(_, r)| r.trim())
        );
        Ok(Prepared::Copy {
            created_by,
            source,
            request: Box::new(request),
        })
    }

    fn copy(&mut self, state: &StageState, _ins: &Instruction, plan: &Prepared) -> Result<Digest> {
        let Prepared::Copy {
            source, request, ..
        } = plan
        else {
            bail!("not a copy step");
        };
        let scratch = Scratch::new(self.store)?;
        let lowers = self.lowers(state, &scratch);
        let (upper, work, merged, from) = (
            scratch.path("upper"),
            scratch.path("work"),
            scratch.path("merged"),
            scratch.path("from"),
        );
        userns::run_in(&self.map, CloneFlags::CLONE_NEWNS, || {
            crate::sys::fsmount::make_mounts_private().context("making the mounts private")?;
            mount_overlay(&lowers, &upper, &work, &merged)?;
            match source {
                CopySource::Context(p) => copy::apply(p, &merged)?,
                CopySource::Layers(src) => {
                    mount_readonly(src, &from)?;
                    let mut req = (**request).clone();
                    req.source = copy::SourceRoot::Rootfs { dir: from.clone() };
                    let p = copy::plan(&req)?;
                    copy::apply(&p, &merged)?;
                }
            }
            Ok(())
        })?;
        let made = layer::commit_dir(
            self.store,
            &self.lease,
            &self.map,
            &upper,
            self.opts.compression,
        )?;
        Ok(made.diff_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::instruction::Heredoc;

    fn doc(name: &str, body: &str) -> Heredoc {
        Heredoc {
            name: name.into(),
            body: body.into(),
            expand: true,
        }
    }

    #[test]
    fn run_argv_shell_exec_and_heredocs() {
        let s = StageState::scratch("amd64");
        assert_eq!(
            run_argv(&s, &Command::Shell("echo hi".into()), &[]),
            ["/bin/sh", "-c", "echo hi"]
        );
        assert_eq!(
            run_argv(&s, &Command::Exec(vec!["a".into(), "b".into()]), &[]),
            ["a", "b"]
        );
        // Only a here-document: its body is the script.
        assert_eq!(
            run_argv(
                &s,
                &Command::Shell("<<EOF".into()),
                &[doc("EOF", "echo a\necho b\n")]
            ),
            ["/bin/sh", "-c", "echo a\necho b\n"]
        );
        // A command reading one: the shell gets the document after the line.
        assert_eq!(
            run_argv(
                &s,
                &Command::Shell("cat <<EOF > /f".into()),
                &[doc("EOF", "x\n")]
            ),
            ["/bin/sh", "-c", "cat <<EOF > /f\nx\nEOF\n"]
        );
    }
}
