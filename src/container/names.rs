//! Container names: podman-style generated `adjective_surname` names, and the name
//! index (`names.json`) that keeps each name on one container.
//!
//! The index is written before a container dir appears and after it disappears, so
//! an entry may outlive its container (a crash between the two steps) but a
//! container never lacks its entry. An entry is in force only while its container's
//! `container.json` exists; an unreadable index is rebuilt from the records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

const ADJECTIVES: [&str; 64] = [
    "admiring",
    "adoring",
    "affectionate",
    "agitated",
    "amazing",
    "angry",
    "awesome",
    "beautiful",
    "blissful",
    "bold",
    "boring",
    "brave",
    "busy",
    "charming",
    "clever",
    "compassionate",
    "competent",
    "condescending",
    "confident",
    "cool",
    "cranky",
    "crazy",
    "dazzling",
    "determined",
    "distracted",
    "dreamy",
    "eager",
    "ecstatic",
    "elastic",
    "elated",
    "elegant",
    "eloquent",
    "epic",
    "exciting",
    "fervent",
    "festive",
    "flamboyant",
    "focused",
    "friendly",
    "frosty",
    "funny",
    "gallant",
    "gifted",
    "goofy",
    "gracious",
    "great",
    "happy",
    "hardcore",
    "heuristic",
    "hopeful",
    "hungry",
    "infallible",
    "inspiring",
    "intelligent",
    "interesting",
    "jolly",
    "jovial",
    "keen",
    "kind",
    "laughing",
    "loving",
    "lucid",
    "magical",
    "modest",
];

const SURNAMES: [&str; 96] = [
    "agnesi",
    "albattani",
    "allen",
    "almeida",
    "archimedes",
    "ardinghelli",
    "aryabhata",
    "austin",
    "babbage",
    "banach",
    "bardeen",
    "bartik",
    "bassi",
    "bell",
    "benz",
    "bhabha",
    "bhaskara",
    "blackwell",
    "bohr",
    "booth",
    "borg",
    "bose",
    "boyd",
    "brahmagupta",
    "brattain",
    "brown",
    "carson",
    "chandrasekhar",
    "clarke",
    "colden",
    "cori",
    "cray",
    "curie",
    "darwin",
    "davinci",
    "dijkstra",
    "dubinsky",
    "easley",
    "edison",
    "einstein",
    "elion",
    "engelbart",
    "euclid",
    "euler",
    "fermat",
    "fermi",
    "feynman",
    "franklin",
    "galileo",
    "gates",
    "goldberg",
    "goldstine",
    "golick",
    "goodall",
    "hamilton",
    "hawking",
    "heisenberg",
    "hermann",
    "hodgkin",
    "hoover",
    "hopper",
    "hugle",
    "hypatia",
    "jackson",
    "jang",
    "jennings",
    "jepsen",
    "johnson",
    "joliot",
    "jones",
    "kalam",
    "kapitsa",
    "keller",
    "kepler",
    "khorana",
    "kilby",
    "kirch",
    "knuth",
    "kowalevski",
    "lalande",
    "lamarr",
    "lamport",
    "leakey",
    "leavitt",
    "lederberg",
    "lehmann",
    "lewin",
    "lichterman",
    "liskov",
    "lovelace",
    "lumiere",
    "mahavira",
    "mayer",
    "mccarthy",
    "mcclintock",
    "mclean",
];

/// Container names as podman allows them.
pub fn parse_name(s: &str) -> Result<String, String> {
    let mut chars = s.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(s.to_string())
    } else {
        Err("names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*".into())
    }
}

/// A generated name from a random number.
pub fn generate(random: u64) -> String {
    let a = ADJECTIVES[(random % ADJECTIVES.len() as u64) as usize];
    let n = SURNAMES[((random >> 32) % SURNAMES.len() as u64) as usize];
    format!("{a}_{n}")
}

/// 64 random bits.
pub fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: getrandom writes at most the given length into our buffer.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n != b.len() as isize {
        // Good enough for picking a name: the index catches a collision.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        return t ^ (std::process::id() as u64).rotate_left(32);
    }
    u64::from_ne_bytes(b)
}

/// `names.json`: name → container id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameIndex {
    pub names: BTreeMap<String, String>,
}

impl NameIndex {
    /// The id holding `name`, if `exists` says that container is real.
    pub fn holder(&self, name: &str, exists: impl Fn(&str) -> bool) -> Option<&str> {
        self.names
            .get(name)
            .map(String::as_str)
            .filter(|id| exists(id))
    }

    /// A free generated name; `exists` as for [`holder`](Self::holder).
    pub fn generate_free(&self, exists: impl Fn(&str) -> bool) -> String {
        for attempt in 0..64u32 {
            let mut name = generate(random_u64());
            if attempt >= 8 {
                // Crowded: Docker's trick, a digit on the end.
                name.push_str(&(random_u64() % 10).to_string());
            }
            if self.holder(&name, &exists).is_none() {
                return name;
            }
        }
        format!("{}_{:08x}", generate(random_u64()), random_u64() as u32)
    }

    /// Drops entries whose container is gone.
    pub fn prune(&mut self, exists: impl Fn(&str) -> bool) -> bool {
        let before = self.names.len();
        self.names.retain(|_, id| exists(id));
        before != self.names.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_look_like_podmans() {
        let n = generate(0x0000_0005_0000_0003);
        assert_eq!(n, format!("{}_{}", ADJECTIVES[3], SURNAMES[5]));
        let r = generate(random_u64());
        let (a, s) = r.split_once('_').unwrap();
        assert!(ADJECTIVES.contains(&a) && SURNAMES.contains(&s));
        assert!(parse_name(&r).is_ok());
        assert!(parse_name("-x").is_err());
        assert!(parse_name("web_1.a-b").is_ok());
    }

    #[test]
    fn stale_entries_do_not_hold_names() {
        let mut idx = NameIndex::default();
        idx.names.insert("web".into(), "live".into());
        idx.names.insert("old".into(), "gone".into());
        let exists = |id: &str| id == "live";
        assert_eq!(idx.holder("web", exists), Some("live"));
        assert_eq!(idx.holder("old", exists), None);
        assert_eq!(idx.holder("none", exists), None);
        assert!(idx.prune(exists));
        assert_eq!(idx.names.len(), 1);
        assert!(!idx.prune(exists));
    }

    #[test]
    fn generation_avoids_taken_names() {
        let mut idx = NameIndex::default();
        // Take every plain combination: only suffixed names remain.
        for a in ADJECTIVES {
            for s in SURNAMES {
                idx.names.insert(format!("{a}_{s}"), "x".into());
            }
        }
        let n = idx.generate_free(|_| true);
        assert!(!idx.names.contains_key(&n), "{n}");
    }
}
