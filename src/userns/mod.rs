//! Entering the user namespace with the fixed map (container 0 → the user, 1..N → subordinate ids).
