//! Web accounts (웹 계정) for the supervisor dashboard: argon2id password hashes ([`password`]),
//! login throttling per account, per (address, login) and per address ([`lockout`]), and the login itself with
//! cookie sessions and CSRF tokens ([`session`]).
//!
//! Passwords are set only by the admin command (`admin set-login`, read from a file or stdin, never
//! from the command line); the privilege (`field` | `supervisor` | `admin`) by `admin
//! set-privilege`. Device sync keeps its own credentials (device secret → short access token).

pub mod lockout;
pub mod password;
pub mod session;

pub use lockout::{AddressBudget, LockPolicy, LoginGuard};
pub use session::{login, LoginOutcome, LoginRefused, WebUser, SESSION_COOKIE};
