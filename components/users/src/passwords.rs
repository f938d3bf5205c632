//! Password hashing (Argon2id, PHC strings) and the random temporary passwords the
//! service hands out.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use service_kit::{ApiError, ApiResult};

/// Cost for passwords people choose, which are guessable and need a slow hash:
/// m = 19 MiB, t = 2, p = 1, OWASP's minimum recommendation for Argon2id. Measured on
/// this project's 2-core machine: ~46 ms native; the login benchmark reports the cost in
/// Wasm through the host, which must stay under the 150 ms p50 login target. More memory
/// or passes would push Wasm past that target; less would fall under OWASP's floor.
const CHOSEN_PASSWORD_COST: (u32, u32, u32) = (19 * 1024, 2, 1);

/// Cost for passwords the server generates ([`temporary`]): they carry ~93 bits of
/// entropy, which no amount of guessing gets through, so a slow hash would add no
/// protection, only make a CSV import of thousands of new users take minutes.
/// m = 256 KiB, t = 1, p = 1: about 0.1 ms native, so an import creating 10,000 users
/// spends a second or two hashing, well inside the host's request time limit.
const GENERATED_PASSWORD_COST: (u32, u32, u32) = (256, 1, 1);

/// A valid PHC string of the chosen-password cost whose password nobody knows: logins for
/// unknown emails verify against it, so they take as long as logins with a wrong password
/// and response times do not tell which emails have accounts.
const NOBODY: &str = "$argon2id$v=19$m=19456,t=2,p=1$WmV3mkpzj9cWs6ZKBkRr3A$ud1/ab7+xJZsPJoDgB8/AR7nBENdTv15bPeY2/ruvSc";

fn hasher((m, t, p): (u32, u32, u32)) -> ApiResult<Argon2<'static>> {
    let params = Params::new(m, t, p, None).map_err(ApiError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_with(cost: (u32, u32, u32), password: &str) -> ApiResult<String> {
    let hash = hasher(cost)?
        .hash_password(password.as_bytes())
        .map_err(ApiError::internal)?;
    Ok(hash.to_string())
}

/// The PHC string for a password a person chose.
pub fn hash(password: &str) -> ApiResult<String> {
    hash_with(CHOSEN_PASSWORD_COST, password)
}

/// The PHC string for a password from [`temporary`].
pub fn hash_generated(password: &str) -> ApiResult<String> {
    hash_with(GENERATED_PASSWORD_COST, password)
}

/// Whether `password` matches the stored PHC string. The string's own parameters are used,
/// so hashes of either cost verify; an unparseable string never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        eprintln!("stored password hash is not a PHC string");
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Spends the same time as [`verify`] on a real account, then fails.
pub fn verify_nobody(password: &str) -> bool {
    verify(password, NOBODY)
}

/// Characters of temporary passwords: letters and digits without the look-alikes
/// (0/O, 1/l/I), so they can be read out or typed from paper.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
/// 16 characters of a 57-letter alphabet: log2(57) × 16 ≈ 93 bits.
const TEMPORARY_LEN: usize = 16;

/// A random temporary password from the system's secure random source.
pub fn temporary() -> ApiResult<String> {
    // Bytes at or above the largest multiple of the alphabet size are discarded so every
    // character is equally likely.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut out = String::with_capacity(TEMPORARY_LEN);
    let mut buf = [0u8; 32];
    while out.len() < TEMPORARY_LEN {
        getrandom::fill(&mut buf).map_err(ApiError::internal)?;
        out.extend(
            buf.iter()
                .filter(|b| **b < limit)
                .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
                .take(TEMPORARY_LEN - out.len()),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_wrong_passwords_do_not() {
        let phc = hash_generated("s3cret-pass").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
        assert!(verify("s3cret-pass", &phc));
        assert!(!verify("s3cret-pasS", &phc));
        assert!(!verify("s3cret-pass", "not a phc string"));
    }

    #[test]
    fn chosen_passwords_use_the_slow_cost() {
        let phc = hash("password123").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("password123", &phc));
    }

    #[test]
    fn nobody_matches_the_dummy_hash() {
        assert!(PasswordHash::new(NOBODY).is_ok());
        assert!(!verify_nobody("password123"));
    }

    #[test]
    fn temporary_passwords_are_long_random_and_readable() {
        let a = temporary().unwrap();
        let b = temporary().unwrap();
        assert_eq!(a.len(), TEMPORARY_LEN);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
    }
}
