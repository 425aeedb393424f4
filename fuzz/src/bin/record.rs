//! AFL entry point of [`aidr_fuzz::record`].
fn main() {
    afl::fuzz!(|data: &[u8]| aidr_fuzz::record(data));
}
