//! 双随机 draws: shops drawn at random within each risk level's quota, then a random pair of
//! inspectors for each, reproducible by anyone from the published seed and inputs.
//!
//! # Algorithm `foodpatrol-draw-v1`
//!
//! 1. **Canonical inputs.** [`DrawInputs::canonical_text`] writes the inputs as UTF-8 lines, each
//!    ending in `\n`, in this order:
//!    `foodpatrol-draw-v1`, `year:{year}`, `pair_size:{n}`, then for each level A, B, C, D that has
//!    a pool: `level:{L}:quota:{q}:shops:{ids}` with the shop ids sorted and comma-separated, then
//!    `inspectors:{ids}` sorted, then `recusals:{inspector}/{shop},...` sorted. Ids are lowercase
//!    hyphenated UUIDs. Duplicates are removed before sorting.
//! 2. **Input digest.** `D = SHA-256(canonical text)`, published as lowercase hex.
//! 3. **Random stream.** Block `k` (k = 0, 1, 2, …) is
//!    `SHA-256(seed as UTF-8 || 0x00 || D (32 bytes) || k as 8-byte big-endian)`.
//!    A uniform integer below `n` reads the next block's first 8 bytes as a big-endian `u64` `x`.
//!    When `x >= floor((2^64 - 1) / n) * n` the block is rejected and the next one is read.
//!    Otherwise the result is `x mod n`. Every block gives at most one integer.
//! 4. **Shops.** For each level A→D with a pool, its sorted shop list is shuffled by a partial
//!    Fisher–Yates: for `i` in `0..quota`, `j = i + uniform(len - i)`, swap `i` and `j`. The first
//!    `quota` entries, in that order, are the level's picks.
//! 5. **Inspectors.** For each picked shop in pick order, the sorted inspector list minus the
//!    inspectors recused for that shop is shuffled the same way for `pair_size` positions; those are
//!    the shop's inspectors, lead first. The stream continues from step 4.
//! 6. **Result digest.** `SHA-256` of lines `{L}:{shop}:{inspector},{inspector}…\n` in pick order.
//!
//! Changing any input (a shop, a quota, an inspector, a recusal) changes `D` and so the whole
//! stream; a verifier that recomputes `D` from the published inputs detects the change.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::ids::{ShopId, UserId};
use crate::plan::Recusal;
use crate::risk::RiskLevel;

/// Name of the algorithm above, stored with each draw.
pub const ALGORITHM: &str = "foodpatrol-draw-v1";
/// Maximum length of a seed in bytes.
pub const MAX_SEED_BYTES: usize = 256;

/// The shops of one level and how many to draw from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelPool {
    pub level: RiskLevel,
    pub quota: u32,
    pub shops: Vec<ShopId>,
}

/// Everything a draw depends on besides the seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawInputs {
    pub year: i32,
    /// Inspectors per shop, at least 2.
    pub pair_size: u32,
    pub pools: Vec<LevelPool>,
    pub inspectors: Vec<UserId>,
    pub recusals: Vec<Recusal>,
}

/// One drawn shop and its inspectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawPick {
    pub level: RiskLevel,
    pub shop_id: ShopId,
    pub inspectors: Vec<UserId>,
}

/// The outcome of a draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawResult {
    pub algorithm: String,
    pub input_digest: String,
    pub picks: Vec<DrawPick>,
    pub result_digest: String,
}

/// A draw that cannot be made.
#[derive(Debug, Error, PartialEq)]
pub enum DrawError {
    #[error(
        "the seed is empty or longer than {MAX_SEED_BYTES} bytes; publish a seed of 1-{MAX_SEED_BYTES} bytes"
    )]
    InvalidSeed,
    #[error("pair_size {0} is below 2; every inspection needs at least 2 inspectors")]
    PairTooSmall(u32),
    #[error("level {level} lists more than one pool; merge them into one")]
    DuplicateLevel { level: RiskLevel },
    #[error("level {level} has a quota of {quota} but only {available} shops; lower the quota")]
    QuotaTooLarge {
        level: RiskLevel,
        quota: u32,
        available: usize,
    },
    #[error(
        "shop {shop} has {eligible} eligible inspector(s) after recusals but the draw needs {needed}; add inspectors to the pool"
    )]
    NotEnoughInspectors {
        shop: ShopId,
        eligible: usize,
        needed: u32,
    },
}

impl DrawInputs {
    /// Returns the inputs with duplicates removed and every list sorted, pools in level order.
    pub fn normalized(&self) -> DrawInputs {
        let mut pools: Vec<LevelPool> = self
            .pools
            .iter()
            .map(|p| {
                let set: BTreeSet<ShopId> = p.shops.iter().copied().collect();
                LevelPool {
                    level: p.level,
                    quota: p.quota,
                    shops: set.into_iter().collect(),
                }
            })
            .collect();
        pools.sort_by_key(|p| p.level);
        let inspectors: BTreeSet<UserId> = self.inspectors.iter().copied().collect();
        let recusals: BTreeSet<Recusal> = self.recusals.iter().copied().collect();
        DrawInputs {
            year: self.year,
            pair_size: self.pair_size,
            pools,
            inspectors: inspectors.into_iter().collect(),
            recusals: recusals.into_iter().collect(),
        }
    }

    /// Returns the canonical text of step 1 of the algorithm.
    pub fn canonical_text(&self) -> String {
        let n = self.normalized();
        let join = |ids: Vec<String>| ids.join(",");
        let mut text = format!("{ALGORITHM}\nyear:{}\npair_size:{}\n", n.year, n.pair_size);
        for pool in &n.pools {
            text.push_str(&format!(
                "level:{}:quota:{}:shops:{}\n",
                pool.level,
                pool.quota,
                join(pool.shops.iter().map(ToString::to_string).collect())
            ));
        }
        text.push_str(&format!(
            "inspectors:{}\n",
            join(n.inspectors.iter().map(ToString::to_string).collect())
        ));
        text.push_str(&format!(
            "recusals:{}\n",
            join(
                n.recusals
                    .iter()
                    .map(|r| format!("{}/{}", r.inspector, r.shop))
                    .collect()
            )
        ));
        text
    }

    /// Returns the input digest of step 2 as lowercase hex.
    pub fn digest_hex(&self) -> String {
        hex_string(&Sha256::digest(self.canonical_text().as_bytes()))
    }
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The random stream of step 3.
#[derive(Debug)]
pub struct DrawStream {
    prefix: Vec<u8>,
    counter: u64,
}

impl DrawStream {
    pub fn new(seed: &str, input_digest: &[u8; 32]) -> DrawStream {
        let mut prefix = seed.as_bytes().to_vec();
        prefix.push(0);
        prefix.extend_from_slice(input_digest);
        DrawStream { prefix, counter: 0 }
    }

    fn next_block(&mut self) -> u64 {
        let mut hasher = Sha256::new();
        hasher.update(&self.prefix);
        hasher.update(self.counter.to_be_bytes());
        self.counter += 1;
        let digest = hasher.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }

    /// Returns a uniform integer in `0..n` by rejection sampling; `n` must be positive.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "DrawStream::below needs a positive bound");
        let zone = (u64::MAX / n) * n;
        loop {
            let x = self.next_block();
            if x < zone {
                return x % n;
            }
        }
    }

    /// Shuffles the first `count` positions of `items` (partial Fisher–Yates).
    pub fn partial_shuffle<T>(&mut self, items: &mut [T], count: usize) {
        for i in 0..count.min(items.len()) {
            let j = i + self.below((items.len() - i) as u64) as usize;
            items.swap(i, j);
        }
    }
}

/// Runs the draw of `inputs` with `seed`, as the module documentation specifies.
pub fn run_draw(seed: &str, inputs: &DrawInputs) -> Result<DrawResult, DrawError> {
    if seed.is_empty() || seed.len() > MAX_SEED_BYTES {
        return Err(DrawError::InvalidSeed);
    }
    if inputs.pair_size < 2 {
        return Err(DrawError::PairTooSmall(inputs.pair_size));
    }
    let mut seen = BTreeSet::new();
    for pool in &inputs.pools {
        if !seen.insert(pool.level) {
            return Err(DrawError::DuplicateLevel { level: pool.level });
        }
    }
    let n = inputs.normalized();
    for pool in &n.pools {
        if pool.quota as usize > pool.shops.len() {
            return Err(DrawError::QuotaTooLarge {
                level: pool.level,
                quota: pool.quota,
                available: pool.shops.len(),
            });
        }
    }
    let digest: [u8; 32] = Sha256::digest(n.canonical_text().as_bytes()).into();
    let mut stream = DrawStream::new(seed, &digest);

    let mut picked: Vec<(RiskLevel, ShopId)> = Vec::new();
    for pool in &n.pools {
        let mut shops = pool.shops.clone();
        stream.partial_shuffle(&mut shops, pool.quota as usize);
        picked.extend(
            shops
                .into_iter()
                .take(pool.quota as usize)
                .map(|s| (pool.level, s)),
        );
    }

    let mut recused: BTreeMap<ShopId, BTreeSet<UserId>> = BTreeMap::new();
    for r in &n.recusals {
        recused.entry(r.shop).or_default().insert(r.inspector);
    }
    let none = BTreeSet::new();
    let mut picks = Vec::with_capacity(picked.len());
    for (level, shop) in picked {
        let excluded = recused.get(&shop).unwrap_or(&none);
        let mut eligible: Vec<UserId> = n
            .inspectors
            .iter()
            .filter(|i| !excluded.contains(i))
            .copied()
            .collect();
        if eligible.len() < n.pair_size as usize {
            return Err(DrawError::NotEnoughInspectors {
                shop,
                eligible: eligible.len(),
                needed: n.pair_size,
            });
        }
        stream.partial_shuffle(&mut eligible, n.pair_size as usize);
        eligible.truncate(n.pair_size as usize);
        picks.push(DrawPick {
            level,
            shop_id: shop,
            inspectors: eligible,
        });
    }
    Ok(DrawResult {
        algorithm: ALGORITHM.to_owned(),
        input_digest: hex_string(&digest),
        result_digest: result_digest(&picks),
        picks,
    })
}

/// Returns the result digest of step 6.
pub fn result_digest(picks: &[DrawPick]) -> String {
    let mut hasher = Sha256::new();
    for pick in picks {
        let inspectors: Vec<String> = pick.inspectors.iter().map(ToString::to_string).collect();
        hasher.update(format!("{}:{}:{}\n", pick.level, pick.shop_id, inspectors.join(",")).as_bytes());
    }
    hex_string(&hasher.finalize())
}

/// The outcome of re-running a recorded draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// True when the recorded inputs still hash to the recorded digest and the re-run gives the
    /// recorded picks.
    pub matches: bool,
    pub recorded_input_digest: String,
    pub recomputed_input_digest: String,
    pub recorded_result_digest: String,
    pub recomputed_result_digest: Option<String>,
    /// Chinese reasons for a mismatch; empty on a match.
    pub problems_zh: Vec<String>,
}

/// Re-runs a recorded draw from its seed and inputs and compares with the recorded result.
pub fn verify(seed: &str, inputs: &DrawInputs, recorded: &DrawResult) -> Verification {
    let recomputed_input_digest = inputs.digest_hex();
    let mut problems_zh = Vec::new();
    if recomputed_input_digest != recorded.input_digest {
        problems_zh.push(format!(
            "输入摘要不一致：记录为 {}，按现有输入重算为 {}（抽取输入已被改动）",
            recorded.input_digest, recomputed_input_digest
        ));
    }
    let rerun = run_draw(seed, inputs);
    let recomputed_result_digest = match &rerun {
        Ok(result) => {
            if result.picks != recorded.picks {
                problems_zh.push("按种子和输入重新抽取的结果与记录的结果不一致".to_owned());
            }
            Some(result.result_digest.clone())
        }
        Err(e) => {
            problems_zh.push(format!("无法按记录的输入重新抽取：{e}"));
            None
        }
    };
    if result_digest(&recorded.picks) != recorded.result_digest {
        problems_zh.push("记录的结果与其结果摘要不一致（结果已被改动）".to_owned());
    }
    Verification {
        matches: problems_zh.is_empty(),
        recorded_input_digest: recorded.input_digest.clone(),
        recomputed_input_digest,
        recorded_result_digest: recorded.result_digest.clone(),
        recomputed_result_digest,
        problems_zh,
    }
}
