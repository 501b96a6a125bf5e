//! `rpod login`: check credentials against a registry, then store them in
//! podman's auth.json.

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};

use super::Context;
use crate::image::registry::auth::{AuthEnv, Credentials};
use crate::image::registry::login::LoginTarget;

/// Log in to a container registry
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// Username for the registry
    #[arg(short, long, value_name = "USERNAME")]
    pub username: Option<String>,

    /// Password for the registry (visible in the process list: prefer --password-stdin)
    #[arg(
        short,
        long,
        value_name = "PASSWORD",
        conflicts_with = "password_stdin"
    )]
    pub password: Option<String>,

    /// Read the password from standard input
    #[arg(long)]
    pub password_stdin: bool,

    /// Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)
    #[arg(long, value_name = "PATH")]
    pub authfile: Option<PathBuf>,

    /// Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_missing_value = "true")]
    pub tls_verify: Option<bool>,

    /// Print the username stored for the registry
    #[arg(long)]
    pub get_login: bool,

    /// Registry to log in to (HOST[:PORT][/NAMESPACE…]; default: the first search registry)
    #[arg(value_name = "REGISTRY")]
    pub registry: Option<String>,
}

pub fn run(ctx: &Context, args: &LoginArgs) -> Result<u8> {
    let target = LoginTarget::resolve(
        &ctx.paths,
        ctx.config.registries.registries_conf.as_deref(),
        args.registry.as_deref(),
    )?;
    let key = &target.key;
    let env = AuthEnv::from_process(args.authfile.as_deref(), &ctx.paths.home, ctx.paths.uid);

    if args.get_login {
        return match target.stored(&env)? {
            Credentials::Basic { username, .. } => {
                println!("{username}");
                Ok(0)
            }
            Credentials::Anonymous => bail!("not logged into {key}"),
        };
    }
    if args.password_stdin && args.username.is_none() {
        bail!(
            "--password-stdin needs --username: the user name cannot come from standard input too"
        );
    }

    // Nothing given: credentials already stored are checked first, as podman does.
    if args.username.is_none() && args.password.is_none() && !args.password_stdin {
        if let creds @ Credentials::Basic { .. } = target.stored(&env)? {
            println!("Authenticating with existing credentials for {key}");
            if target.accepts(creds, args.tls_verify)? {
                println!("Existing credentials are valid. Already logged in to {key}");
                return Ok(0);
            }
            println!("Existing credentials are invalid, please enter valid username and password");
        }
    }

    let username = match &args.username {
        Some(u) => u.clone(),
        None => prompt_line("Username: ")?,
    };
    if username.is_empty() {
        bail!("the username is empty");
    }
    let password = if let Some(p) = &args.password {
        p.clone()
    } else if args.password_stdin {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .context("reading the password from standard input")?;
        text.trim_end_matches(['\n', '\r']).to_string()
    } else {
        prompt_password("Password: ")?
    };
    if password.is_empty() {
        bail!("the password is empty");
    }
    target.log_in(&env, &username, &password, args.tls_verify)?;
    println!("Login Succeeded!");
    Ok(0)
}

/// Reads one line from a terminal after printing `prompt`.
fn prompt_line(prompt: &str) -> Result<String> {
    if !io::stdin().is_terminal() {
        bail!("no username given and standard input is not a terminal to ask for one: pass --username");
    }
    print!("{prompt}");
    io::stdout().flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

/// Reads a password from the terminal without echoing it.
fn prompt_password(prompt: &str) -> Result<String> {
    use nix::sys::termios::{self, LocalFlags, SetArg};
    let stdin = io::stdin();
    if !stdin.is_terminal() {
        bail!(
            "no password given and standard input is not a terminal to ask for one: pass \
             --password-stdin (or --password)"
        );
    }
    print!("{prompt}");
    io::stdout().flush()?;
    let saved = termios::tcgetattr(&stdin).context("reading the terminal settings")?;
    let mut quiet = saved.clone();
    quiet.local_flags.remove(LocalFlags::ECHO);
    quiet.local_flags.insert(LocalFlags::ECHONL);
    termios::tcsetattr(&stdin, SetArg::TCSANOW, &quiet).context("turning off echo")?;
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    let restored = termios::tcsetattr(&stdin, SetArg::TCSANOW, &saved);
    read.context("reading the password")?;
    restored.context("restoring the terminal settings")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
