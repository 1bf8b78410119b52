//! Lets the `gradflow` binary and the tests find libtorch at run time without an
//! `LD_LIBRARY_PATH`: tch links libtorch dynamically from `$LIBTORCH/lib`, so we
//! record that folder as the executables' run path.

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(libtorch) = std::env::var("LIBTORCH") {
        let lib = std::path::Path::new(&libtorch).join("lib");
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
