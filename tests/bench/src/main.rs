//! `clawgen-floor <DOCUMENT> <OUT>`: parses a JSON or YAML document (by
//! content, as clawgen does) and writes it back as pretty JSON.
//!
//! This is the least any generator must do with a document, so `scripts/bench`
//! reports every generator's time as a multiple of it.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: clawgen-floor <DOCUMENT> <OUT>");
        return ExitCode::from(2);
    };
    match floor(input, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("clawgen-floor: {message}");
            ExitCode::FAILURE
        }
    }
}

fn floor(input: &str, output: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(input).map_err(|err| format!("{input}: {err}"))?;
    let value: serde_json::Value = if text.trim_start().starts_with(['{', '[']) {
        let mut deserializer = serde_json::Deserializer::from_str(&text);
        deserializer.disable_recursion_limit();
        serde::Deserialize::deserialize(&mut deserializer).map_err(|err| format!("{input}: {err}"))?
    } else {
        serde_yaml::from_str(&text).map_err(|err| format!("{input}: {err}"))?
    };
    let mut written = serde_json::to_string_pretty(&value).map_err(|err| err.to_string())?;
    written.push('\n');
    std::fs::write(output, written).map_err(|err| format!("{output}: {err}"))
}
