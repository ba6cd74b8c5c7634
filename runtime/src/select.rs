//! Record selection (`data_selector`) and page decoding.
