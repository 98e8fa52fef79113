// Registers every parity handler. One file per fixture family; add new ones here.
export {};
