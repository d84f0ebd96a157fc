#!/usr/bin/env bash
# Fine-tune BART on summaries; run from examples/.
set -euo pipefail

python train_from_recipe.py \
    --model_name_or_path facebook/bart-large-cnn \
    --output_dir out/bart
