//! Keeping an idle monitor small.
//!
//! The monitor is all of rpod re-executed; starting a container touches a few MB of
//! its code (spec parsing, mounts, id maps), and the kernel maps pages around every
//! fault, so once the container runs most of that stays resident for nothing. Two
//! things give it back: `malloc_trim` for the setup's freed heap, and
//! `MADV_DONTNEED` on the executable's read-only file mappings, which drops their
//! page-table entries (the pages stay in the page cache; whatever the monitor runs
//! later faults back in). Mappings with private copies (relocated data) are never
//! touched: dropping those would lose the copies.

use std::fs;

/// One mapping of `/proc/self/smaps` that may be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    start: usize,
    end: usize,
}

/// The read-only, unmodified mappings of `exe` in an smaps text.
fn droppable(smaps: &str, exe: &str) -> Vec<Range> {
    let mut out = Vec::new();
    let mut current: Option<Range> = None;
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else { continue };
        if let Some((a, b)) = first
            .split_once('-')
            .filter(|(a, _)| a.bytes().all(|c| c.is_ascii_hexdigit()))
        {
            // A mapping header: `start-end perms offset dev inode path`.
            let perms = words.next().unwrap_or("");
            let path = words.nth(3).unwrap_or("");
            current = match (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16)) {
                (Ok(start), Ok(end))
                    if path == exe && !perms.contains('w') && perms.ends_with('p') =>
                {
                    Some(Range { start, end })
                }
                _ => None,
            };
        } else if first == "Anonymous:" {
            if let Some(r) = current.take() {
                if words.next() == Some("0") {
                    out.push(r);
                }
            }
        }
    }
    out
}

/// Gives back what the monitor's setup left resident (see the module docs).
pub fn shed() {
    // SAFETY: malloc_trim only returns free heap memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
    let Ok(exe) = fs::read_link("/proc/self/exe") else {
        return;
    };
    let Ok(smaps) = fs::read_to_string("/proc/self/smaps") else {
        return;
    };
    for r in droppable(&smaps, &exe.to_string_lossy()) {
        // SAFETY: the range is a private, read-only mapping of our executable with no
        // private copies: dropping its pages only makes them fault in again from
        // the file, unchanged.
        unsafe {
            libc::madvise(
                r.start as *mut libc::c_void,
                r.end - r.start,
                libc::MADV_DONTNEED,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d1d2f92000-55d1d3198000 r--p 00000000 fe:00 123 /opt/rpod
Size:               2072 kB
Rss:                1024 kB
Anonymous:             0 kB
55d1d3198000-55d1d3850000 r-xp 00206000 fe:00 123 /opt/rpod
Size:               6880 kB
Anonymous:             0 kB
55d1d3850000-55d1d38b1000 r--p 008be000 fe:00 123 /opt/rpod
Anonymous:           388 kB
55d1d38b1000-55d1d38b4000 rw-p 0091f000 fe:00 123 /opt/rpod
Anonymous:            12 kB
7faffc178000-7faffc2ce000 r-xp 00026000 fe:00 456 /usr/lib/x86_64-linux-gnu/libc.so.6
Anonymous:             0 kB
7ffca88dd000-7ffca88fe000 rw-p 00000000 00:00 0 [stack]
Anonymous:            56 kB
";

    #[test]
    fn only_clean_read_only_mappings_of_the_executable() {
        let r = droppable(SMAPS, "/opt/rpod");
        assert_eq!(
            r,
            [
                Range {
                    start: 0x55d1d2f92000,
                    end: 0x55d1d3198000
                },
                Range {
                    start: 0x55d1d3198000,
                    end: 0x55d1d3850000
                },
            ]
        );
        assert!(droppable(SMAPS, "/other").is_empty());
    }

    #[test]
    fn shedding_leaves_this_process_working() {
        shed();
        // Code and constants fault back in as they are used.
        let v: Vec<String> = (0..100).map(|i| format!("{i}")).collect();
        assert_eq!(v[42], "42");
    }
}
