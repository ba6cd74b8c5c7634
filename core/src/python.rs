//! What Python counts as a decimal digit, which dlt's identifier rules (`\\d`) and pendulum's
//! and Python's number readers (`int()`, `float()`) all use: the Unicode decimal digits
//! (category Nd), not every numeric character (`٣` is one, `²` and `Ⅻ` are not).

/// The first code point of every run of ten Unicode decimal digits (category Nd, Unicode 14,
/// the version of Python 3.11 on which the dlt fixtures were recorded): each run holds the
/// digits 0 to 9 of one script.
const DECIMAL_DIGIT_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a Python decimal digit, else `None`.
pub(crate) fn digit_value(c: char) -> Option<u32> {
    if c.is_ascii() {
        return c.to_digit(10);
    }
    let code = c as u32;
    let run = DECIMAL_DIGIT_ZEROS.partition_point(|&zero| zero <= code);
    let offset = code - DECIMAL_DIGIT_ZEROS[run.checked_sub(1)?];
    (offset < 10).then_some(offset)
}
