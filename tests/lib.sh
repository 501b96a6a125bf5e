# shellcheck shell=bash
# Shared by the scripts a newcomer runs as root (run.sh, demo.sh): refuse to run
# as anyone but root, and find cargo where rustup puts it (sudo resets PATH).

require_root_and_cargo() {
    local script=$1 why=$2
    if [[ $(id -u) -ne 0 ]]; then
        echo "$script must run as root (try: sudo $script): $why" >&2
        exit 1
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        local dir
        for dir in "${CARGO_HOME:-$HOME/.cargo}/bin" /root/.cargo/bin; do
            if [[ -x $dir/cargo ]]; then
                PATH="$dir:$PATH"
                break
            fi
        done
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "cargo not found: install Rust >= 1.85 for root with rustup (https://rustup.rs)" >&2
        exit 1
    fi
}
