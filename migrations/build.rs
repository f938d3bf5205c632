//! The SQL files are embedded at compile time (`refinery::embed_migrations!`), and cargo
//! does not see a new file in those folders on its own: tell it to rebuild when any of
//! them changes, so a new migration is never left out of the binary.

fn main() {
    for service in ["users", "inventory", "orders"] {
        println!("cargo:rerun-if-changed={service}");
    }
}
