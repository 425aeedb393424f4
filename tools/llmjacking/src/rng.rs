//! Random numbers and ids: the seeded PRNG (SplitMix64) with an independent stream per actor,
//! UUIDs, event ids unique by construction, access keys and IAM unique ids.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64: small, fast, the same sequence on every platform.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for one part of the world (`label`, `n`), so that changing one
    /// actor does not shift the traffic of the others.
    pub fn derive(seed: u64, label: &str, n: u64) -> Rng {
        let mut h = 0xcbf2_9ce4_8422_2325u64; // FNV-1a
        for b in label.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(mix64(seed ^ mix64(h ^ mix64(n.wrapping_add(GOLDEN)))))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, n) (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [lo, hi], both included.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Poisson-distributed count with mean `lambda` (normal approximation above 40).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 40.0 {
            return (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64;
        }
        let limit = (-lambda).exp();
        let (mut k, mut p) = (0, 1.0);
        loop {
            p *= self.unit();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// A reference to one of `items`, uniformly (for items that are not `Copy`). Draws as
    /// [`Rng::pick`] does.
    pub fn pick_ref<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// The first item with probability `p_first`, otherwise any of the others.
    pub(crate) fn pick_weighted<T: Copy>(&mut self, items: &[T], p_first: f64) -> T {
        if items.len() == 1 || self.chance(p_first) {
            items[0]
        } else {
            items[1 + self.below(items.len() as u64 - 1) as usize]
        }
    }

    pub(crate) fn token(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(self.pick(alphabet))).collect()
    }

    pub(crate) fn hex(&mut self, n: usize) -> String {
        self.token(b"0123456789abcdef", n)
    }

    pub(crate) fn uuid(&mut self) -> String {
        uuid_string(self.next_u64(), self.next_u64())
    }
}

/// A version-4 UUID from 128 bits (version and variant bits overwritten).
fn uuid_string(hi: u64, lo: u64) -> String {
    let hi = (hi & !0xF000) | 0x4000;
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// Event ids: the low 62 random bits of the UUID are a bijection of a counter, so ids are
/// unique by construction; the high bits come from the PRNG.
pub(crate) struct EventIds {
    next: u64,
    salt: u64,
    rng: Rng,
}

const MASK62: u64 = (1 << 62) - 1;

/// A bijection on 62-bit integers (xorshifts and odd multiplications modulo 2^62).
fn mix62(mut x: u64) -> u64 {
    x &= MASK62;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9) & MASK62;
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB) & MASK62;
    x ^ (x >> 29)
}

impl EventIds {
    pub(crate) fn new(seed: u64) -> EventIds {
        EventIds {
            next: 0,
            salt: mix64(seed) & MASK62,
            rng: Rng::derive(seed, "event-ids", 0),
        }
    }

    pub(crate) fn next_id(&mut self) -> String {
        let unique = mix62(self.next ^ self.salt);
        self.next += 1;
        uuid_string(self.rng.next_u64(), unique)
    }
}

const KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

pub(crate) fn access_key(rng: &mut Rng, prefix: &str) -> String {
    format!("{prefix}{}", rng.token(KEY_CHARS, 16))
}

/// A stable IAM unique id (`AIDA…`, `AROA…`) for a name.
pub(crate) fn unique_id(seed: u64, prefix: &str, name: &str) -> String {
    format!("{prefix}{}", Rng::derive(seed, name, 0).token(ID_CHARS, 17))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn rng_is_deterministic_and_ids_unique() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        let mut ids = EventIds::new(7);
        let set: HashSet<String> = (0..100_000).map(|_| ids.next_id()).collect();
        assert_eq!(set.len(), 100_000);
        let id = ids.next_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        let mut r = Rng::new(1);
        let mean = (0..2000).map(|_| r.poisson(5.0)).sum::<u64>() as f64 / 2000.0;
        assert!((mean - 5.0).abs() < 0.3, "{mean}");
        assert!(access_key(&mut r, "AKIA").len() == 20);
    }

    #[test]
    fn pick_ref_draws_as_pick() {
        let items = [10, 20, 30, 40, 50];
        let (mut a, mut b) = (Rng::new(11), Rng::new(11));
        for _ in 0..100 {
            assert_eq!(*a.pick_ref(&items), b.pick(&items));
        }
        let names = [String::from("a"), String::from("b")];
        assert!(names.contains(Rng::new(3).pick_ref(&names)));
    }
}
