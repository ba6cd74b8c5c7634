//! SHAKE-128 (FIPS 202) of short texts, with one Keccak permutation per 168 bytes of input and
//! none beyond what the output needs.
//!
//! dlt derives every child row id from SHAKE-128 ([`crate::naming::digest128`]), so a load
//! with list columns computes one digest per child row. The `sha3` crate's reader permutes the
//! state again as soon as it hands out the first block, ahead of a second block nobody reads:
//! two permutations per 10-byte id where one suffices, and the permutation is most of the
//! cost (measured with callgrind: 45,318 ids took 90,636 permutations, 558M instructions, 40%
//! of the flattening thread).

/// SHAKE-128's rate: the bytes absorbed, or squeezed, per permutation.
const RATE: usize = 168;

/// The first `N` bytes of SHAKE-128 of `bytes`.
pub(crate) fn shake128<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut state = [0u64; 25];
    let mut blocks = bytes.chunks_exact(RATE);
    for block in &mut blocks {
        absorb(&mut state, block);
        keccak::f1600(&mut state);
    }
    // The last, partial block padded: SHAKE's domain bits (1111) then pad10*1.
    let rest = blocks.remainder();
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x1f;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    keccak::f1600(&mut state);

    let mut out = [0u8; N];
    let mut chunks = out.chunks_mut(RATE).peekable();
    while let Some(chunk) = chunks.next() {
        squeeze(&state, chunk);
        // Permuted again only for another block of output.
        if chunks.peek().is_some() {
            keccak::f1600(&mut state);
        }
    }
    out
}

/// XORs `block` (at most `RATE` bytes) into the state's lanes, little-endian.
fn absorb(state: &mut [u64; 25], block: &[u8]) {
    for (lane, bytes) in state.iter_mut().zip(block.chunks(8)) {
        let mut word = [0u8; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        *lane ^= u64::from_le_bytes(word);
    }
}

/// Copies the state's first `out.len()` bytes (at most `RATE`), little-endian, into `out`.
fn squeeze(state: &[u64; 25], out: &mut [u8]) {
    for (bytes, lane) in out.chunks_mut(8).zip(state.iter()) {
        bytes.copy_from_slice(&lane.to_le_bytes()[..bytes.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha3::digest::{ExtendableOutput, Update, XofReader};

    fn reference(bytes: &[u8], n: usize) -> Vec<u8> {
        let mut hasher = sha3::Shake128::default();
        hasher.update(bytes);
        let mut out = vec![0u8; n];
        hasher.finalize_xof().read(&mut out);
        out
    }

    /// `shake128` against the reference for `N` bytes of output.
    fn same<const N: usize>(bytes: &[u8]) {
        assert_eq!(
            shake128::<N>(bytes).to_vec(),
            reference(bytes, N),
            "{} bytes",
            bytes.len()
        );
    }

    #[test]
    fn equals_the_sha3_crate_at_every_block_boundary() {
        // Lengths around one and two blocks, where the padding moves to the next block;
        // outputs of part of a block, one block and more than two.
        let input: Vec<u8> = (0..400u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..=input.len() {
            let bytes = &input[..len];
            same::<4>(bytes);
            same::<10>(bytes);
            same::<168>(bytes);
            same::<400>(bytes);
        }
    }

    #[test]
    fn known_answer() {
        // FIPS 202's SHAKE-128 of the empty message.
        let empty = shake128::<16>(b"");
        let hex: String = empty.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "7f9c2ba4e88f827d616045507605853e");
    }
}
