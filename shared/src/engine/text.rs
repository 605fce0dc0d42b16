//! Numbers written into strings by hand: a plan writes several (occurrence keys, placeholder
//! values), and the formatting machinery cost a tenth of a plan.

/// Writes `n` in decimal, zero-padded to `width` digits, as `{:0width$}` does.
pub fn push_int(s: &mut String, n: i64, width: usize) {
    if n < 0 {
        s.push('-');
    }
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut m = n.unsigned_abs();
    while m > 0 || len < width.max(1) {
        digits[len] = b'0' + (m % 10) as u8;
        m /= 10;
        len += 1;
    }
    for d in digits[..len].iter().rev() {
        s.push(char::from(*d));
    }
}

/// Writes `x` as `{}` does: whole numbers short of 10^15 (as counts and minutes are) by hand,
/// anything else (fractions, -0, huge values, NaN) through `Display`.
pub fn push_f64(s: &mut String, x: f64) {
    if x.fract() == 0.0 && x.abs() < 1e15 && x != 0.0 {
        push_int(s, x as i64, 1);
    } else {
        use std::fmt::Write;
        // Writing into a String cannot fail.
        let _ = write!(s, "{x}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop_assert_eq, proptest};

    fn int(n: i64, width: usize) -> String {
        let mut s = String::new();
        push_int(&mut s, n, width);
        s
    }

    fn float(x: f64) -> String {
        let mut s = String::new();
        push_f64(&mut s, x);
        s
    }

    proptest! {
        #[test]
        fn numbers_read_as_display_wrote_them(n in proptest::num::i64::ANY, width in 0usize..6, x in proptest::num::f64::ANY, whole in -1e16f64..1e16) {
            prop_assert_eq!(int(n, width), format!("{n:0width$}"));
            prop_assert_eq!(float(x), format!("{x}"));
            prop_assert_eq!(float(whole.round()), format!("{}", whole.round()));
        }
    }

    #[test]
    fn edge_values() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            25.0,
            1e15,
            999_999_999_999_999.0,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(float(x), format!("{x}"));
        }
        assert_eq!(int(i64::MIN, 1), i64::MIN.to_string());
        assert_eq!(int(7, 2), "07");
    }
}
