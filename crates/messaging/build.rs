//! Compiles the queue schema (`proto/wearhouse/v1/messages.proto`) with protox, so no `protoc`
//! is needed on the build machine.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_root = manifest_dir.join("../../proto");
    let schema = proto_root.join("wearhouse/v1/messages.proto");

    println!("cargo:rerun-if-changed={}", proto_root.display());
    println!("cargo:rerun-if-changed={}", schema.display());

    let fds = protox::compile([&schema], [&proto_root])?;
    prost_build::Config::new()
        // `prost::Name` impls: the AMQP `type` property is the message's full proto name.
        .enable_type_names()
        .compile_fds(fds)?;
    Ok(())
}
