//! Rebuild when a template or a checked-in lock is added, renamed or removed: `include_dir!`
//! tracks the contents of the files it embeds, but not the listing of the directory.

fn main() {
    println!("cargo::rerun-if-changed=templates");
    println!("cargo::rerun-if-changed=lockfiles");
}
