//! JSON printed as podman prints it: pretty, with the indent each verb uses.

use serde::Serialize;

/// JSON as podman prints it: Go's `MarshalIndent` with the given indent.
pub fn to_json<T: Serialize + ?Sized>(
    value: &T,
    indent: &str,
) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    value.serialize(&mut ser)?;
    // serde_json writes nothing but UTF-8.
    Ok(String::from_utf8_lossy(&out).into_owned())
}
