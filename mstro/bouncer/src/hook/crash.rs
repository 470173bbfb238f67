//! The last line of defence: a hook process that dies on a signal (a segfault in C
//! code, a stack overflow, an abort) makes no decision, and Claude Code then carries on
//! as if there were no hook: fail-open. So the hook installs handlers for the fatal
//! signals that print a prepared `deny` and exit 0.
//!
//! The handler only calls `write(2)` and `_exit(2)`, which are async-signal-safe; the
//! line it writes is rendered before anything can go wrong, and it runs on an
//! alternate stack so that it works after a stack overflow too.

#[cfg(unix)]
mod imp {
    use std::sync::OnceLock;

    /// The deny line, rendered at start-up.
    static LINE: OnceLock<Vec<u8>> = OnceLock::new();

    const SIGNALS: [libc::c_int; 5] = [
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGILL,
        libc::SIGFPE,
        libc::SIGABRT,
    ];

    extern "C" fn on_fatal_signal(_: libc::c_int) {
        if let Some(line) = LINE.get() {
            // SAFETY: writing a buffer that lives for the whole process to stdout.
            unsafe {
                libc::write(1, line.as_ptr().cast(), line.len());
            }
        }
        // SAFETY: _exit ends the process without running anything else.
        unsafe { libc::_exit(0) }
    }

    pub fn install(line: String) {
        let mut bytes = line.into_bytes();
        bytes.push(b'\n');
        if LINE.set(bytes).is_err() {
            return;
        }
        // SAFETY: a fresh, leaked alternate stack and plain sigaction calls with a
        // handler that only uses async-signal-safe functions.
        unsafe {
            let size = (libc::SIGSTKSZ).max(64 * 1024);
            let stack = Box::leak(vec![0u8; size].into_boxed_slice());
            let alt = libc::stack_t {
                ss_sp: stack.as_mut_ptr().cast(),
                ss_flags: 0,
                ss_size: size,
            };
            libc::sigaltstack(&alt, std::ptr::null_mut());
            for signal in SIGNALS {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_fatal_signal as extern "C" fn(libc::c_int) as usize;
                action.sa_flags = libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(unix)]
pub use imp::install;

/// Elsewhere there are no POSIX signals to catch.
#[cfg(not(unix))]
pub fn install(_line: String) {}
