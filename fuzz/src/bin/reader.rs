//! AFL entry point of [`aidr_fuzz::reader`].
fn main() {
    afl::fuzz!(|data: &[u8]| aidr_fuzz::reader(data));
}
