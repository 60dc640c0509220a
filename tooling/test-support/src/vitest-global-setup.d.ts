export declare function setup(): Promise<void>;
export declare function teardown(): Promise<void>;
