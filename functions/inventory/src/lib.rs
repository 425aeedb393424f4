//! The aidr inventory Lambda's logic: settings read once at cold start ([`config`]) and one
//! scheduled run ([`handler`]), generic over the engine's ports so tests run it in-process.

pub mod config;
pub mod handler;
