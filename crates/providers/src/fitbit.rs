//! Fitbit: not implemented yet (see issue 4). The module's contract is [`crate::api::ProviderApi`];
//! register it in [`crate::dispatch`]'s `with_provider!` once it implements the trait.
