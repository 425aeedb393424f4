//! AFL entry point of [`aidr_fuzz::policy`].
fn main() {
    afl::fuzz!(|data: &[u8]| aidr_fuzz::policy(data));
}
