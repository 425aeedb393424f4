//! AFL entry point of [`aidr_fuzz::sqs_body`].
fn main() {
    afl::fuzz!(|data: &[u8]| aidr_fuzz::sqs_body(data));
}
