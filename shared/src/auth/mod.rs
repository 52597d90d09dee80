//! Authentication and authorisation rules: roles and route access, access tokens (JWT), refresh and
//! API-key token formats, password-hash records, login back-off. Crypto that needs the platform
//! (PBKDF2 through WebCrypto, randomness) is done by the worker; everything else is here.

pub mod jwt;
mod jwt_hs256;
pub mod lockout;
pub mod password;
pub mod revocation;
pub mod roles;
pub mod tokens;

pub use roles::{Access, Principal, Role};
