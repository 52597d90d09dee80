//! Validators for inputs that many routes share (e-mail, phone), strict enough to keep junk and
//! injection attempts out while accepting what real people type.

/// A plausible e-mail address: `local@domain.tld`, ASCII, at most 254 characters, a domain of
/// letters/digits/hyphens in dot-separated labels and an alphabetic TLD of 2+ letters.
pub fn email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    s.len() <= 254 && local_ok && domain_ok
}

/// A phone number as people write it: an optional leading `+`, 7–15 digits, spaces, dots, hyphens
/// and parentheses allowed between them.
pub fn phone(s: &str) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let body = s.strip_prefix('+').unwrap_or(s);
    (7..=15).contains(&digits) && !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit() || b" .-()".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in [
            "a@b.co",
            "marco.rossi+visa@example.it",
            "sari_dewi@mail.co.id",
            "o'brien@example.com",
        ] {
            assert!(email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "a@b.c",
            "@b.co",
            "a@.co",
            "a@b..co",
            "admin@test.local'--",
            "' OR '1'='1",
            "a b@c.co",
            "<script>@x.co",
            "a@b.c0",
            ".a@b.co",
            "a..b@c.co",
            "a@-b.co",
        ] {
            assert!(!email(bad), "{bad}");
        }
    }

    #[test]
    fn phones() {
        for ok in ["+62 813 3805 1876", "0813-3805-1876", "+39 (06) 1234567"] {
            assert!(phone(ok), "{ok}");
        }
        for bad in [
            "",
            "123",
            "+",
            "call me",
            "+62 813 3805 1876 1234 5678",
            "1; DROP TABLE",
        ] {
            assert!(!phone(bad), "{bad}");
        }
    }
}
