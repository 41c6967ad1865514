"""Security checks of serialised model files, done statically: nothing scanned is ever loaded or run.

:mod:`.pickle_scan` walks pickle opcodes as a stream, :mod:`.globals_policy` judges every global a pickle imports
against an allowlist and a denylist kept as data (``globals.jsonc``), :mod:`.archives` opens the containers that
pickles hide in (PyTorch zip and tar checkpoints, joblib, numpy, compressed and nested archives, skops, NeMo)
within hard limits and dispatches the formats whose metadata runs code (Keras, GGUF, ONNX, TensorFlow graphs in
:mod:`.tf_graph`, skops and Hydra configurations in :mod:`.config_targets`), and :mod:`.analyser` turns what they
find into findings on the scanned file.  :mod:`.xml_models` checks PMML and other XML models for entities,
:mod:`.remote_code` Hugging Face ``auto_map``, :mod:`.loaders` the code that loads models unsafely.  Two estate-phase
steps work on a whole scan: :mod:`.linking` (which code loads which model file) and :mod:`.integrity` (model hashes
against a baseline).
"""
