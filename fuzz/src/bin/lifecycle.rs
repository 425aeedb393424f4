//! AFL entry point of [`aidr_fuzz::lifecycle`].
fn main() {
    afl::fuzz!(|data: &[u8]| aidr_fuzz::lifecycle(data));
}
