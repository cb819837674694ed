//! The language server (placeholder while it is written).

pub fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Ok(())
}
