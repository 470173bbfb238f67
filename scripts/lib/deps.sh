# What both of the README's commands (scripts/up and scripts/test) install on a fresh
# machine: sourced, not run. Expects to run from the repository's root.

CLAUDE_CODE_VERSION=2.1.197
say() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "error: need root to run: $*" >&2; return 1; fi
}

# apt_install "why" package...: install the Debian packages.
apt_install() {
    local why="$1"; shift
    say "Installing $* ($why)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_npm() {
    command -v npm >/dev/null || apt_install "needed for the Claude Code CLI" nodejs npm
}

# ensure_claude_code: the pinned Claude Code CLI in target/test-deps (installed with
# npm when it is not there yet); sets claude_dir to its absolute path.
ensure_claude_code() {
    ensure_npm
    local target_dir="${CARGO_TARGET_DIR:-target}"
    claude_dir="$target_dir/test-deps/claude-code-$CLAUDE_CODE_VERSION"
    if ! "$claude_dir/node_modules/.bin/claude" --version 2>/dev/null | grep -q "$CLAUDE_CODE_VERSION"; then
        say "Installing @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION into $claude_dir"
        rm -rf "$claude_dir.tmp" && mkdir -p "$claude_dir.tmp"
        npm install --no-audit --no-fund --loglevel=error --prefix "$claude_dir.tmp" "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION"
        rm -rf "$claude_dir" && mv "$claude_dir.tmp" "$claude_dir"
    fi
    case "$claude_dir" in /*) ;; *) claude_dir="$PWD/$claude_dir" ;; esac
}
