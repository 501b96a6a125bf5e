//! `--ulimit NAME=SOFT[:HARD]`: the process rlimits a container starts with, as
//! podman names and reads them.

use oci_spec::runtime::PosixRlimitType;

use super::spec::Ulimit;

fn rlimit_kind(name: &str) -> Option<PosixRlimitType> {
    use PosixRlimitType as T;
    Some(match name {
        "core" => T::RlimitCore,
        "cpu" => T::RlimitCpu,
        "data" => T::RlimitData,
        "fsize" => T::RlimitFsize,
        "locks" => T::RlimitLocks,
        "memlock" => T::RlimitMemlock,
        "msgqueue" => T::RlimitMsgqueue,
        "nice" => T::RlimitNice,
        "nofile" => T::RlimitNofile,
        "nproc" => T::RlimitNproc,
        "rss" => T::RlimitRss,
        "rtprio" => T::RlimitRtprio,
        "rttime" => T::RlimitRttime,
        "sigpending" => T::RlimitSigpending,
        "stack" => T::RlimitStack,
        "as" => T::RlimitAs,
        _ => return None,
    })
}

fn limit_value(s: &str) -> Result<u64, String> {
    match s {
        "-1" | "unlimited" => Ok(u64::MAX),
        _ => s
            .parse::<u64>()
            .map_err(|_| format!("{s:?} is not a number, -1 or unlimited")),
    }
}

/// `NAME=SOFT[:HARD]`; HARD defaults to SOFT.
pub fn parse_ulimit(s: &str) -> Result<Ulimit, String> {
    let (name, values) = s.split_once('=').ok_or("expected NAME=SOFT[:HARD]")?;
    let kind = rlimit_kind(name).ok_or_else(|| format!("unknown ulimit {name:?}"))?;
    let (soft, hard) = match values.split_once(':') {
        Some((s, h)) => (limit_value(s)?, limit_value(h)?),
        None => {
            let v = limit_value(values)?;
            (v, v)
        }
    };
    if soft > hard {
        return Err(format!(
            "ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
        ));
    }
    Ok(Ulimit { kind, soft, hard })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulimits() {
        let u = parse_ulimit("nofile=1024:2048").unwrap();
        assert_eq!(
            (u.kind, u.soft, u.hard),
            (PosixRlimitType::RlimitNofile, 1024, 2048)
        );
        let u = parse_ulimit("core=-1").unwrap();
        assert_eq!((u.soft, u.hard), (u64::MAX, u64::MAX));
        assert!(parse_ulimit("nofile=10:5").is_err());
        assert!(parse_ulimit("bogus=1").is_err());
        assert!(parse_ulimit("nofile").is_err());
        assert!(parse_ulimit("nofile=x").is_err());
    }
}
