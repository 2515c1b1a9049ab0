//! Copies the Temporal API's protobuf descriptors, which `temporalio-protos` builds and exports
//! (`links = "temporalio_protos"`), into this package's output: the replay tests read recorded
//! histories in proto JSON, the format `temporal workflow show --output json` writes, through
//! them.

fn main() {
    let source = std::env::var("DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH")
        .expect("temporalio-protos exports its descriptor path");
    let target = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("temporal-descriptors.bin");
    std::fs::copy(&source, &target).expect("copying the Temporal API descriptors");
    println!("cargo:rerun-if-changed={source}");
}
