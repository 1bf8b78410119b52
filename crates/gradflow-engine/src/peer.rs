//! Who may talk to the engine: its own user, and no one else.
//!
//! The notebooks' client puts the socket in a folder that only its user can open
//! (`gradflow::engine::socket`); the engine adds two locks of its own. Its socket is made
//! connectable by its owner alone (mode 600), and every connection's peer is asked for its user
//! id (`SO_PEERCRED`, which the kernel fills in at `connect`, so a peer cannot forge it): a
//! connection from another user is closed unread and unanswered.

use std::fs::{self, Permissions};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;

/// Listens on `socket`, which only this user can connect to.
pub fn bind(socket: &Path) -> io::Result<UnixListener> {
    let listener = UnixListener::bind(socket)?;
    fs::set_permissions(socket, Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// The user id of the process at the other end of `stream`, as it was when it connected.
pub fn peer_uid(stream: &UnixStream) -> io::Result<u32> {
    let mut credentials = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut length = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: the descriptor is a Unix socket that `stream` keeps open for the call, and
    // `credentials` is a `ucred` whose size `length` gives, which is what SO_PEERCRED writes.
    let done = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            std::ptr::addr_of_mut!(credentials).cast(),
            &mut length,
        )
    };
    if done != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(credentials.uid)
}

/// This process's effective user id.
pub fn own_uid() -> u32 {
    // SAFETY: geteuid takes nothing and cannot fail.
    unsafe { libc::geteuid() }
}

/// Whether `stream` comes from this engine's own user. A peer whose id cannot be read is
/// another's. A refusal is said on standard error, which the client keeps in the engine's log.
pub fn is_own_user(stream: &UnixStream) -> bool {
    let own = own_uid();
    match peer_uid(stream) {
        Ok(uid) if uid == own => true,
        Ok(uid) => {
            eprintln!("gradflow serve: refused a connection from uid {uid}; this engine answers uid {own} only");
            false
        }
        Err(error) => {
            eprintln!("gradflow serve: refused a connection whose user cannot be read ({error})");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn a_peer_of_this_process_is_its_own_user() {
        let (a, b) = UnixStream::pair().unwrap();
        assert_eq!(peer_uid(&a).unwrap(), own_uid());
        assert!(is_own_user(&b));
    }

    #[test]
    fn the_socket_is_connectable_by_its_owner_only() {
        let socket =
            std::env::temp_dir().join(format!("gradflow-peer-test-{}.sock", std::process::id()));
        let _ = fs::remove_file(&socket);
        let _listener = bind(&socket).unwrap();
        let found = fs::symlink_metadata(&socket).unwrap();
        assert_eq!((found.mode() & 0o777, found.uid()), (0o600, own_uid()));
        fs::remove_file(socket).unwrap();
    }
}
