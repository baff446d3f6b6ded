//! Parameter rules of the VPC v1 API (CreatePublicip,
//! <https://support.huaweicloud.com/api-eip/eip_api_0001.html>).

use serde_json::{Map, Value};

use super::reply::ApiError;

/// The request body as a JSON object; 400 `VPC.0501` otherwise.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::invalid(
            "The request body is not a valid JSON object.",
        )),
    }
}

/// The object member `key` of `map`; 400 `VPC.0501` when absent or not an object.
pub(crate) fn member<'a>(
    map: &'a Map<String, Value>,
    key: &str,
) -> Result<&'a Map<String, Value>, ApiError> {
    map.get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::invalid(format!("{key} is required.")))
}

/// An optional string member: absent and `null` give `None`; another type is invalid.
pub(crate) fn opt_str<'a>(
    map: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(format!("{key} must be a string."))),
    }
}

/// CreatePublicip, <https://support.huaweicloud.com/api-eip/eip_api_0001.html>: alias and bandwidth
/// names are 1–64 letters, digits, CJK, `_ - .`.
pub(crate) fn is_valid_name(name: &str) -> bool {
    let count = name.chars().count();
    (1..=64).contains(&count)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// An enterprise project id: `0` (the default project) or a UUID. The emulator knows every
/// well-formed id as an enterprise project (it keeps no list of them).
pub(crate) fn is_enterprise_project(id: &str) -> bool {
    id == "0" || uuid::Uuid::try_parse(id).is_ok_and(|u| u.hyphenated().to_string() == id)
}

/// 400 `VPC.0011`: invalid enterprise project ID (the EIP error codes,
/// <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>, common table).
pub(crate) fn bad_enterprise_project() -> ApiError {
    ApiError::vpc(
        http::StatusCode::BAD_REQUEST,
        "VPC.0011",
        "Invalid enterprise project ID.",
    )
}

/// A bandwidth size: an integer, or a decimal or a string coerced to one (UpdateBandwidth,
/// <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apiBandwidth_0003.html>),
/// within 1–2000 Mbit/s with the 1 / 50 / 500 step rule of CreatePublicip's `bandwidth.size`.
pub(crate) fn bandwidth_size(value: &Value) -> Result<u32, ApiError> {
    let number = match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f.trunc() as u64)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| *f >= 0.0)
            .map(|f| f.trunc() as u64),
        _ => None,
    };
    let size = number.ok_or_else(|| ApiError::invalid("Invalid bandwidth size."))?;
    let in_steps = match size {
        1..=300 => true,
        301..=1000 => size % 50 == 0,
        1001..=2000 => size % 500 == 0,
        _ => false,
    };
    if !in_steps {
        return Err(ApiError::invalid("Invalid bandwidth size."));
    }
    u32::try_from(size).map_err(|_| ApiError::invalid("Invalid bandwidth size."))
}

/// `limit` of a list: absent or 0 give the default page (`max`); negative, non-numeric or
/// above `max` give 400 `VPC.0501` "Invalid limit." (the EIP error codes,
/// <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>).
pub(crate) fn limit(raw: Option<&str>, max: usize) -> Result<usize, ApiError> {
    let Some(raw) = raw else { return Ok(max) };
    match raw.trim().parse::<i64>() {
        Ok(0) => Ok(max),
        Ok(n) if n > 0 && usize::try_from(n).is_ok_and(|n| n <= max) => Ok(n as usize),
        _ => Err(ApiError::invalid("Invalid limit.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names() {
        assert!(is_valid_name("eip-test_1.a"));
        assert!(is_valid_name("弹性公网"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("bad name"));
        assert!(!is_valid_name(&"a".repeat(65)));
    }

    #[test]
    fn sizes() {
        assert_eq!(bandwidth_size(&json!(5)), Ok(5));
        assert_eq!(bandwidth_size(&json!("10")), Ok(10));
        assert_eq!(bandwidth_size(&json!(7.9)), Ok(7));
        assert_eq!(bandwidth_size(&json!(350)), Ok(350));
        assert_eq!(bandwidth_size(&json!(1500)), Ok(1500));
        for bad in [
            json!(0),
            json!(-1),
            json!(310),
            json!(1200),
            json!(2500),
            json!("x"),
            json!(null),
        ] {
            assert!(bandwidth_size(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits() {
        assert_eq!(limit(None, 2000), Ok(2000));
        assert_eq!(limit(Some("0"), 2000), Ok(2000));
        assert_eq!(limit(Some("100"), 2000), Ok(100));
        assert_eq!(limit(Some("2000"), 2000), Ok(2000));
        for bad in ["2001", "-1", "abc", ""] {
            assert_eq!(
                limit(Some(bad), 2000),
                Err(ApiError::invalid("Invalid limit."))
            );
        }
    }
}
